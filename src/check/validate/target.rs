//! TargetType: its values and the parameters each target needs (and those it ignores).

use super::{TargetType, diag, effective_target};
use crate::diagnostics::{Code, Diagnostic, codes};
use crate::inventory::{Param, Row};

/// For each target type: the parameters it requires.
const REQUIRED: &[(TargetType, &[(Param, Code)])] = &[
    (
        TargetType::Image,
        &[(Param::ImageName, codes::IMAGE_NAME_MISSING), (Param::SystemDiskSize, codes::SYSTEM_DISK_SIZE_MISSING)],
    ),
    (TargetType::TargetInstance, &[(Param::InstanceId, codes::INSTANCE_ID_MISSING)]),
    (
        TargetType::ContainerImage,
        &[
            (Param::ContainerNamespace, codes::CONTAINER_NAMESPACE_MISSING),
            (Param::ContainerRepository, codes::CONTAINER_REPOSITORY_MISSING),
            (Param::ContainerTag, codes::CONTAINER_TAG_MISSING),
        ],
    ),
];

/// Parameters that only one target type uses.
const OWNED_BY: &[(Param, TargetType)] = &[
    (Param::ImageName, TargetType::Image),
    (Param::InstanceId, TargetType::TargetInstance),
    (Param::ContainerNamespace, TargetType::ContainerImage),
    (Param::ContainerRepository, TargetType::ContainerImage),
    (Param::ContainerTag, TargetType::ContainerImage),
];

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let Some(target) = effective_target(row) else {
        let cell = row.get(Param::TargetType).expect("an unknown target type is set");
        let near = TargetType::ALL.iter().find(|t| t.name().eq_ignore_ascii_case(cell.text));
        let message = match near {
            Some(t) => crate::msg!("'{}' is not a target type; did you mean '{t}'?", cell.text),
            None => crate::msg!("'{}' is not a target type (Image, ContainerImage or TargetInstance)", cell.text),
        };
        out.push(diag(row, cell.column(), codes::TARGET_TYPE_INVALID, message));
        return;
    };
    if row.get(Param::TargetType).is_none() {
        let message = "TargetType is not set; checked as Image, the API's documented example";
        out.push(diag(row, row.column_of(Param::TargetType), codes::TARGET_TYPE_DEFAULTED, message));
    }
    let required = REQUIRED.iter().find(|(t, _)| *t == target).map_or(&[][..], |(_, r)| *r);
    for &(param, code) in required {
        if row.get(param).is_none() {
            let message = crate::msg!("TargetType {target} requires {}", param.name());
            out.push(diag(row, row.column_of(param), code, message));
        }
    }
    for &(param, owner) in OWNED_BY {
        if let Some(cell) = row.get(param).filter(|_| owner != target) {
            let message = crate::msg!("{} is used only by TargetType {owner}; this row targets {target}", param.name());
            out.push(diag(row, cell.column(), codes::TARGET_TYPE_UNUSED, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    #[test]
    fn image_needs_name_and_system_disk() {
        assert_eq!(
            run(&[("TargetType", "Image"), ("ImageName", ""), ("InstanceId", "i-bp1")], check),
            vec![
                at("ImageName", "ImageName.Missing"),
                at("SystemDiskSize", "SystemDiskSize.Missing"),
                at("InstanceId", "TargetType.UnusedParameter"),
            ]
        );
    }

    #[test]
    fn target_instance_and_container_requirements() {
        assert_eq!(run(&[("TargetType", "TargetInstance")], check), vec![at("InstanceId", "InstanceId.Missing")]);
        assert_eq!(
            run(&[("TargetType", "ContainerImage"), ("ContainerTag", "v1"), ("ImageName", "img01")], check),
            vec![
                at("ContainerNamespace", "ContainerNamespace.Missing"),
                at("ContainerRepository", "ContainerRepository.Missing"),
                at("ImageName", "TargetType.UnusedParameter"),
            ]
        );
    }

    #[test]
    fn invalid_and_missing_target_types() {
        let got = full(&[("TargetType", "image")], check);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.code, "TargetType.Invalid");
        assert_eq!(got[0].0.message, "'image' is not a target type; did you mean 'Image'?");
        assert_eq!(
            run(&[("ImageName", "img01"), ("SystemDiskSize", "40")], check),
            vec![at("TargetType", "TargetType.Missing")]
        );
    }
}
