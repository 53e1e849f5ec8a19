//! Resume: what the journal says of each row before anything is sent.

use super::journal::{History, Outcome};
use crate::batch::RowStatus;
use crate::plan::request::Work;

/// What resume decides for a valid row.
#[derive(Debug)]
pub enum Decision {
    Send(Box<Work>),
    /// An earlier run settled it.
    Settled(Outcome),
}

/// What to do with a valid row, given the journal: the work to send, or the outcome an
/// earlier run already settled for it. A failure is final unless a later attempt may not
/// get it (throttling, 5xx), or `retry_failed` asks for every failure to be sent again.
pub fn decide(work: &Work, history: &History, retry_failed: bool) -> Decision {
    let token = &work.token;
    // The latest request for this source server had another token: this row, edited since
    // (or an older version of a row fixed and sent since, from another file).
    // (A recreate stands in for the job an earlier token made: that job is gone.)
    let earlier = match work.replaces {
        Some(_) => None,
        None => history.latest_by_source.get(&work.request.source_id).filter(|t| *t != token),
    };
    let earlier_outcome = earlier.map(|t| history.outcomes.get(t));
    // Its job exists: no version of the row makes a second one.
    if let Some(Some(o)) = earlier_outcome
        && o.status == RowStatus::Created
    {
        return Decision::Settled(o.clone());
    }
    // The same row (same token), wherever it stands now: settled rows are not sent again.
    match history.outcomes.get(token) {
        Some(o) if o.status == RowStatus::Failed && (o.retryable || retry_failed) => {}
        Some(outcome) => return Decision::Settled(outcome.clone()),
        None => {}
    }
    // A rebuilt journal marked this row for a look-up that never settled.
    let mut look_up_first = history.look_up.contains(token);
    // Sent under another token and never answered: its job may exist; look before creating.
    // (Edited after a failure, the new version is simply sent.)
    if let Some(None) = earlier_outcome {
        look_up_first = true;
    }
    Decision::Send(Box::new(Work { look_up_first, ..work.clone() }))
}

#[cfg(test)]
mod tests {
    use super::super::journal::Entry;
    use super::*;
    use crate::inventory::{RecordBuf, Row, Schema};

    fn row_work(name: &str) -> (Schema, RecordBuf) {
        let schema = Schema::parse(["RegionId", "SourceId", "Name"].map(String::from).to_vec()).unwrap();
        (schema, ["cn-hangzhou", "s-1", name].into_iter().collect())
    }

    fn intent(w: &Work, lookup: bool) -> Entry {
        Entry::Intent {
            line: 2,
            token: w.token.clone(),
            params: w.params.clone(),
            at: jiff::Timestamp::UNIX_EPOCH,
            lookup,
            run: None,
            file: None,
            replaces: None,
        }
    }

    fn outcome(w: &Work, status: RowStatus) -> Entry {
        Entry::Outcome(Outcome::settled(2, &w.token, (status == RowStatus::Created).then_some("j-1")))
    }

    fn retryable_failure(w: &Work) -> Entry {
        let Entry::Outcome(mut o) = outcome(w, RowStatus::Failed) else { unreachable!() };
        o.retryable = true;
        Entry::Outcome(o)
    }

    fn decision(name: &str, entries: &[Entry]) -> Decision {
        let (schema, rec) = row_work(name);
        decide(&Work::of(&Row::new(2, &schema, rec.view())), &History::of(entries), false)
    }

    #[test]
    fn each_case_of_resume() {
        let (schema, rec) = row_work("web-01");
        let w = Work::of(&Row::new(2, &schema, rec.view()));
        let (schema, rec) = row_work("web-02");
        let edited = Work::of(&Row::new(2, &schema, rec.view()));
        let send = |d: Decision| match d {
            Decision::Send(w) => Some(w.look_up_first),
            Decision::Settled(_) => None,
        };
        // Never sent: sent, no look-up.
        assert_eq!(send(decision("web-01", &[])), Some(false));
        // Settled under its token: not sent again.
        assert!(matches!(
            decision("web-01", &[intent(&w, false), outcome(&w, RowStatus::Failed)]),
            Decision::Settled(_)
        ));
        // A failure a later attempt may not get (throttling): sent again, same token.
        assert_eq!(send(decision("web-01", &[intent(&w, false), retryable_failure(&w)])), Some(false));
        // A final failure is sent again only when asked.
        let (schema, rec) = row_work("web-01");
        let row = Row::new(2, &schema, rec.view());
        let failed = History::of(&[intent(&w, false), outcome(&w, RowStatus::Failed)]);
        assert!(matches!(decide(&Work::of(&row), &failed, true), Decision::Send(_)));
        // Sent without an answer, unchanged: sent again with the same token.
        assert_eq!(send(decision("web-01", &[intent(&w, false)])), Some(false));
        // Marked for a look-up by --adopt: looked up first.
        assert_eq!(send(decision("web-01", &[intent(&w, true)])), Some(true));
        // Edited after its job was created: the job stands.
        let created = [intent(&w, false), outcome(&w, RowStatus::Created)];
        assert!(matches!(decision("web-02", &created), Decision::Settled(o) if o.token == w.token));
        // Edited after a failure: the new version is sent.
        assert_eq!(send(decision("web-02", &[intent(&w, false), outcome(&w, RowStatus::Failed)])), Some(false));
        // Edited after a request that got no answer: looked up first.
        assert_eq!(send(decision("web-02", &[intent(&w, false)])), Some(true));
        assert_ne!(w.token, edited.token);
        // The old version of a row that failed, once its fixed version created the job: the job stands.
        let fixed_later = [
            intent(&w, false),
            outcome(&w, RowStatus::Failed),
            intent(&edited, false),
            outcome(&edited, RowStatus::Created),
        ];
        assert!(matches!(decision("web-01", &fixed_later), Decision::Settled(o) if o.token == edited.token));
    }
}
