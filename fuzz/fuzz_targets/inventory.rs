//! Any bytes as an inventory: validate and plan, every printer, never a panic; an unusable
//! input is one line that names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = smcplan::fuzzing::offline(data, None) {
        let shown = e.to_string();
        assert!(shown.starts_with(smcplan::fuzzing::PATH) && !shown.contains('\n'), "{shown}");
    }
});
