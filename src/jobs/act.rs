//! The job actions (StartReplicationJob, StopReplicationJob, CutOverReplicationJob and
//! DeleteReplicationJob) and what each does to a job in each state: called, already done,
//! or not callable; and which state proves one done. They take no ClientToken, so the
//! job's state decides whether one is called, and settles a call whose answer was lost.

use super::states::JobState;
pub use crate::jobstate::Action;
use crate::jobstate::JobStatus;

/// What to do with one job, from its state now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The state allows the action: call it.
    Call,
    /// The action's goal holds already (a start of a Running job, a delete of a job gone):
    /// an outcome, not a failure.
    Already(String),
    /// The state does not allow it: reported with the state and a hint, not called.
    NotCallable(String),
}

/// What to do with a job in `state` (`None`: the API no longer has it), from its Status
/// and BusinessStatus; a cutover also from RunOnce.
pub fn decide(action: Action, state: Option<&JobState>) -> Decision {
    use JobStatus::*;
    let Some(state) = state else {
        return match action {
            Action::Delete => Decision::Already("already gone".into()),
            _ => Decision::NotCallable("NotFound: the job no longer exists".into()),
        };
    };
    let (status, business) = (&state.status, state.business.as_str());
    let not = |hint: &str| Decision::NotCallable(format!("{status}: {hint}"));
    if action.allowed(status, business) {
        return Decision::Call;
    }
    match (action, status) {
        (Action::Start, Running | Waiting | Finished) => Decision::Already(format!("already {status}")),
        (Action::Start, _) => not("a job starts from Ready, Stopped or InError"),
        (Action::Stop, Running) => not(&format!(
            "it is {business}: StopReplicationJob takes a Running job while it syncs; try again in a moment"
        )),
        (Action::Stop, Stopped) => Decision::Already("already Stopped".into()),
        (Action::Stop, _) => not("only a Running job can be stopped"),
        (Action::CutOver { .. }, Finished) => Decision::Already("already Finished".into()),
        (Action::CutOver { .. }, Running) if goal_holds(action, Some(state)) => {
            Decision::Already("already cut over (its last run is running)".into())
        }
        (Action::CutOver { .. }, _) => not("CutOverReplicationJob takes an incremental job Waiting between its runs"),
        (Action::Delete, Deleting) => Decision::Already("already Deleting".into()),
        (Action::Delete, Running) => {
            not("a Running job is not deleted; stop it first (delete --stop-first stops it and waits)")
        }
        (Action::Delete, _) => not(&format!("DeleteReplicationJob takes a job that is {}", action.allowed_list())),
    }
}

/// Whether the job's state proves the action done: how a call whose answer was lost is
/// settled. Only a state the action brings about counts, never one a job reaches alone:
/// a cutover makes the job run once (an incremental job's next scheduled run is Running
/// too, and still incremental), and finishes it after that last run.
pub fn goal_holds(action: Action, state: Option<&JobState>) -> bool {
    use JobStatus::*;
    let status = state.map(|s| &s.status);
    match action {
        Action::Start => matches!(status, Some(Running | Waiting | Finished)),
        Action::Stop => status == Some(&Stopped),
        Action::CutOver { .. } => {
            state.is_some_and(|s| s.status == Finished || (s.status == Running && s.run_once == Some(true)))
        }
        Action::Delete => matches!(status, None | Some(Deleting)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: &str, business: &str, run_once: Option<bool>) -> JobState {
        JobState { status: JobStatus::parse(status), business: business.into(), run_once, ..JobState::default() }
    }

    #[test]
    fn each_action_is_called_only_where_the_state_allows_it() {
        use Decision::*;
        let d = |a: Action, s: Option<&str>| decide(a, s.map(|s| state(s, "", None)).as_ref());
        assert_eq!(d(Action::Start, Some("Ready")), Call);
        assert_eq!(d(Action::Start, Some("InError")), Call);
        assert_eq!(d(Action::Start, Some("Running")), Already("already Running".into()));
        assert!(matches!(d(Action::Start, Some("Deleting")), NotCallable(_)));
        assert!(matches!(d(Action::Start, None), NotCallable(_)));
        assert_eq!(decide(Action::Stop, Some(&state("Running", "Syncing", None))), Call);
        assert!(
            matches!(decide(Action::Stop, Some(&state("Running", "Preparing", None))), NotCallable(h) if h.contains("Preparing"))
        );
        assert!(matches!(d(Action::Stop, Some("Finished")), NotCallable(_)));
        let cut = Action::CutOver { sync_data: true };
        assert_eq!(d(cut, Some("Waiting")), Call);
        assert!(matches!(d(cut, Some("Running")), NotCallable(_)));
        // A cutover's last run: running once, by this batch's cutover or another's.
        assert_eq!(
            decide(cut, Some(&state("Running", "Syncing", Some(true)))),
            Already("already cut over (its last run is running)".into())
        );
        assert_eq!(d(Action::Delete, None), Already("already gone".into()));
        assert_eq!(d(Action::Delete, Some("Finished")), Call);
        assert!(matches!(d(Action::Delete, Some("Running")), NotCallable(h) if h.contains("--stop-first")));
    }

    #[test]
    fn a_goal_that_holds_is_what_a_lost_answer_is_settled_by() {
        let s = |status: &str| Some(state(status, "", None));
        assert!(goal_holds(Action::Start, s("Running").as_ref()) && !goal_holds(Action::Start, s("Ready").as_ref()));
        assert!(goal_holds(Action::Delete, None) && !goal_holds(Action::Delete, s("Stopped").as_ref()));
        assert!(goal_holds(Action::Stop, s("Stopped").as_ref()));
        // An incremental job whose next scheduled run has begun is Running, and still
        // incremental: no proof of a cutover. One cut over runs once.
        let cut = Action::CutOver { sync_data: false };
        assert!(!goal_holds(cut, Some(&state("Running", "Syncing", Some(false)))));
        assert!(!goal_holds(cut, Some(&state("Running", "Syncing", None))));
        assert!(goal_holds(cut, Some(&state("Running", "Syncing", Some(true)))));
        assert!(goal_holds(cut, s("Finished").as_ref()) && !goal_holds(cut, s("Waiting").as_ref()));
        // Every state the decision calls from is one where the goal does not hold yet.
        for a in [Action::Start, Action::Stop, cut, Action::Delete] {
            for st in ["Ready", "Running", "Stopped", "InError", "Finished", "Waiting", "Expired", "Deleting"] {
                for run_once in [None, Some(false), Some(true)] {
                    let js = state(st, "Syncing", run_once);
                    if decide(a, Some(&js)) == Decision::Call {
                        assert!(!goal_holds(a, Some(&js)), "{a:?} from {st}");
                    }
                }
            }
        }
    }
}
