//! The job actions (StartReplicationJob, StopReplicationJob, CutOverReplicationJob and
//! DeleteReplicationJob) and what each does to a job in each state: called, already done,
//! or not callable; and which state proves one done. They take no ClientToken, so the
//! job's state decides whether one is called, and settles a call whose answer was lost.

use super::states::JobState;

/// What a lifecycle command does to each job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    /// `sync_data`: run a last sync first.
    CutOver {
        sync_data: bool,
    },
    Delete,
}

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

impl Action {
    /// The API action.
    pub fn api_name(self) -> &'static str {
        match self {
            Action::Start => "StartReplicationJob",
            Action::Stop => "StopReplicationJob",
            Action::CutOver { .. } => "CutOverReplicationJob",
            Action::Delete => "DeleteReplicationJob",
        }
    }

    /// The command's name.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::CutOver { .. } => "cutover",
            Action::Delete => "delete",
        }
    }

    /// What the action does, in the past tense.
    pub fn done_word(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Stop => "stopped",
            Action::CutOver { .. } => "cut over",
            Action::Delete => "deleted",
        }
    }

    /// What to do with a job in `state` (`None`: the API no longer has it), from its
    /// Status and BusinessStatus (smc-api.md §13, §15); a cutover also from RunOnce.
    pub fn decide(self, state: Option<&JobState>) -> Decision {
        let status = state.map(|s| s.status.as_str());
        let business = state.map_or("", |s| s.business.as_str());
        let not = |hint: &str| Decision::NotCallable(format!("{}: {hint}", status.unwrap_or("NotFound")));
        match (self, status) {
            (Action::Delete, None) => Decision::Already("already gone".into()),
            (_, None) => not("the job no longer exists"),
            (Action::Start, Some("Ready" | "Stopped" | "InError")) => Decision::Call,
            (Action::Start, Some(s @ ("Running" | "Waiting" | "Finished"))) => {
                Decision::Already(format!("already {s}"))
            }
            (Action::Start, Some(_)) => not("a job starts from Ready, Stopped or InError"),
            (Action::Stop, Some("Running")) if business == "Syncing" || business.is_empty() => Decision::Call,
            (Action::Stop, Some("Running")) => not(&format!(
                "it is {business}: StopReplicationJob takes a Running job while it syncs; try again in a moment"
            )),
            (Action::Stop, Some("Stopped")) => Decision::Already("already Stopped".into()),
            (Action::Stop, Some(_)) => not("only a Running job can be stopped"),
            (Action::CutOver { .. }, Some("Waiting")) => Decision::Call,
            (Action::CutOver { .. }, Some("Finished")) => Decision::Already("already Finished".into()),
            (Action::CutOver { .. }, Some("Running")) if self.goal_holds(state) => {
                Decision::Already("already cut over (its last run is running)".into())
            }
            (Action::CutOver { .. }, Some(_)) => {
                not("CutOverReplicationJob takes an incremental job Waiting between its runs")
            }
            (Action::Delete, Some("Deleting")) => Decision::Already("already Deleting".into()),
            (Action::Delete, Some("Running")) => {
                not("a Running job is not deleted; stop it first (delete --stop-first stops it and waits)")
            }
            (Action::Delete, Some(_)) => Decision::Call,
        }
    }

    /// Whether the job's state proves the action done: how a call whose answer was lost is
    /// settled. Only a state the action brings about counts, never one a job reaches alone:
    /// a cutover makes the job run once (an incremental job's next scheduled run is Running
    /// too, and still incremental), and finishes it after that last run.
    pub fn goal_holds(self, state: Option<&JobState>) -> bool {
        let status = state.map(|s| s.status.as_str());
        match self {
            Action::Start => matches!(status, Some("Running" | "Waiting" | "Finished")),
            Action::Stop => status == Some("Stopped"),
            Action::CutOver { .. } => match state {
                Some(s) => s.status == "Finished" || (s.status == "Running" && s.run_once == Some(true)),
                None => false,
            },
            Action::Delete => matches!(status, None | Some("Deleting")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: &str, business: &str, run_once: Option<bool>) -> JobState {
        JobState { status: status.into(), business: business.into(), run_once, ..JobState::default() }
    }

    #[test]
    fn each_action_is_called_only_where_the_state_allows_it() {
        use Decision::*;
        let d = |a: Action, s: Option<&str>| a.decide(s.map(|s| state(s, "", None)).as_ref());
        assert_eq!(d(Action::Start, Some("Ready")), Call);
        assert_eq!(d(Action::Start, Some("InError")), Call);
        assert_eq!(d(Action::Start, Some("Running")), Already("already Running".into()));
        assert!(matches!(d(Action::Start, Some("Deleting")), NotCallable(_)));
        assert!(matches!(d(Action::Start, None), NotCallable(_)));
        assert_eq!(Action::Stop.decide(Some(&state("Running", "Syncing", None))), Call);
        assert!(
            matches!(Action::Stop.decide(Some(&state("Running", "Preparing", None))), NotCallable(h) if h.contains("Preparing"))
        );
        assert!(matches!(d(Action::Stop, Some("Finished")), NotCallable(_)));
        let cut = Action::CutOver { sync_data: true };
        assert_eq!(d(cut, Some("Waiting")), Call);
        assert!(matches!(d(cut, Some("Running")), NotCallable(_)));
        // A cutover's last run: running once, by this batch's cutover or another's.
        assert_eq!(
            cut.decide(Some(&state("Running", "Syncing", Some(true)))),
            Already("already cut over (its last run is running)".into())
        );
        assert_eq!(d(Action::Delete, None), Already("already gone".into()));
        assert_eq!(d(Action::Delete, Some("Finished")), Call);
        assert!(matches!(d(Action::Delete, Some("Running")), NotCallable(h) if h.contains("--stop-first")));
    }

    #[test]
    fn a_goal_that_holds_is_what_a_lost_answer_is_settled_by() {
        let s = |status: &str| Some(state(status, "", None));
        assert!(Action::Start.goal_holds(s("Running").as_ref()) && !Action::Start.goal_holds(s("Ready").as_ref()));
        assert!(Action::Delete.goal_holds(None) && !Action::Delete.goal_holds(s("Stopped").as_ref()));
        assert!(Action::Stop.goal_holds(s("Stopped").as_ref()));
        // An incremental job whose next scheduled run has begun is Running, and still
        // incremental: no proof of a cutover. One cut over runs once.
        let cut = Action::CutOver { sync_data: false };
        assert!(!cut.goal_holds(Some(&state("Running", "Syncing", Some(false)))));
        assert!(!cut.goal_holds(Some(&state("Running", "Syncing", None))));
        assert!(cut.goal_holds(Some(&state("Running", "Syncing", Some(true)))));
        assert!(cut.goal_holds(s("Finished").as_ref()) && !cut.goal_holds(s("Waiting").as_ref()));
        // Every state the decision calls from is one where the goal does not hold yet.
        for a in [Action::Start, Action::Stop, cut, Action::Delete] {
            for st in ["Ready", "Running", "Stopped", "InError", "Finished", "Waiting", "Expired", "Deleting"] {
                for run_once in [None, Some(false), Some(true)] {
                    let js = state(st, "Syncing", run_once);
                    if a.decide(Some(&js)) == Decision::Call {
                        assert!(!a.goal_holds(Some(&js)), "{a:?} from {st}");
                    }
                }
            }
        }
    }
}
