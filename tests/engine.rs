//! The engine with a fake call on a paused clock: no network, no sleep. A throttled answer
//! is never final while the run goes on; a lost answer whose look-up fails is pending, not
//! failed.

use smcplan::api::client::{Client, ClientConfig};
use smcplan::api::credentials::{Credentials, Secret};
use smcplan::api::error::{ApiError, TransportKind};
use smcplan::batch::RowStatus;
use smcplan::batch::journal::Journal;
use smcplan::engine::signals::Stop;
use smcplan::engine::{Call, Counters, Done, Options, Settled, With, send_batch};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// A call that answers from a script, one answer an attempt, and looks up as told.
struct Scripted {
    params: BTreeMap<String, String>,
    answers: Mutex<VecDeque<Result<Done, ApiError>>>,
    look: Mutex<VecDeque<Result<Option<String>, ApiError>>>,
}

fn service(status: u16, code: &str) -> ApiError {
    ApiError::Service {
        action: "CreateReplicationJob".into(),
        status,
        code: code.into(),
        message: format!("{code} happened"),
        request_id: None,
        retry_after: None,
    }
}

fn throttled() -> ApiError {
    service(400, "Throttling.User")
}

fn invalid_status() -> ApiError {
    service(400, "ReplicationJob.InvalidStatus")
}

fn lost() -> ApiError {
    ApiError::Transport { action: "StopReplicationJob".into(), kind: TransportKind::Reset, detail: "cut".into() }
}

impl Call for Scripted {
    fn line(&self) -> u64 {
        2
    }
    fn key(&self) -> &str {
        "token-2"
    }
    fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }
    fn look_up_first(&self) -> bool {
        false
    }
    async fn attempt<'a>(&'a self, _: &'a Client) -> Result<Done, ApiError> {
        self.answers.lock().unwrap().pop_front().expect("an answer is scripted for every attempt")
    }
    async fn look_up<'a>(&'a self, _: &'a Client) -> Result<Option<String>, ApiError> {
        self.look.lock().unwrap().pop_front().expect("a look-up is scripted")
    }
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJob.InvalidStatus")
    }
}

/// Sends one scripted call at a fast rate and returns what it came to.
async fn settle(call: Scripted, max_attempts: u32) -> Settled {
    let dir = tempfile::tempdir().unwrap();
    let creds = Credentials {
        access_key_id: "id".into(),
        access_key_secret: Secret::new("secret"),
        security_token: None,
        source: "test".into(),
        expiration: None,
    };
    // Never reached: the fake call does not send.
    let client =
        Client::new(&ClientConfig { endpoint: Some("http://127.0.0.1:9".into()), ..ClientConfig::default() }, creds)
            .unwrap();
    let options = Options { rate: 1000.0, concurrency: 1, max_attempts, canary: 0 };
    let (stop, counters) = (Stop::default(), Counters::default());
    let with =
        With { client: &client, options: &options, stop: &stop, counters: &counters, run: "r-1", file: "inv.csv" };
    let (journal, _) = Journal::open(dir.path()).unwrap();
    let display = smcplan::engine::progress::for_stderr(1, true);
    let mut settled = send_batch(&with, vec![call], journal, &*display, false).await.unwrap();
    settled.remove(&2).expect("the row is settled")
}

#[tokio::test(start_paused = true)]
async fn a_throttled_answer_is_never_final_while_the_run_goes_on() {
    let mut answers: VecDeque<_> = (0..40).map(|_| Err(throttled())).collect();
    answers.push_back(Ok(Done { job_id: "j-1".into(), request_id: "R".into() }));
    let call = Scripted { params: BTreeMap::new(), answers: Mutex::new(answers), look: Mutex::default() };
    match settle(call, 3).await {
        Settled::Done(o) => {
            assert_eq!((o.status, o.job_id.as_deref(), o.attempts), (RowStatus::Created, Some("j-1"), 41));
        }
        other => panic!("{other:?}"),
    }
    // Other retryable errors still count against --max-attempts (a 503 may have been
    // done: it is left for the next run to resolve).
    let answers: VecDeque<_> = (0..3).map(|_| Err(service(503, "ServiceUnavailable"))).collect();
    let call = Scripted { params: BTreeMap::new(), answers: Mutex::new(answers), look: Mutex::default() };
    match settle(call, 3).await {
        Settled::Unknown { attempts, .. } => assert_eq!(attempts, 3),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_whose_look_up_fails_is_pending_not_failed() {
    let answers = VecDeque::from([Err(lost()), Err(invalid_status())]);
    let look = VecDeque::from([Err(throttled())]);
    let call = Scripted { params: BTreeMap::new(), answers: Mutex::new(answers), look: Mutex::new(look) };
    match settle(call, 8).await {
        Settled::Unknown { attempts, error } => {
            assert_eq!(attempts, 2);
            assert!(error.contains("looking at the job failed") && error.contains("Throttling.User"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    // A look-up that finds the goal unmet lets the error stand.
    let answers = VecDeque::from([Err(lost()), Err(invalid_status())]);
    let call = Scripted {
        params: BTreeMap::new(),
        answers: Mutex::new(answers),
        look: Mutex::new(VecDeque::from([Ok(None)])),
    };
    match settle(call, 8).await {
        Settled::Done(o) => assert_eq!(o.error_code.as_deref(), Some("ReplicationJob.InvalidStatus")),
        other => panic!("{other:?}"),
    }
}
