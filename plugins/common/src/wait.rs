//! Waiting for AWS and Kubernetes to reach a state: every wait names what it waits for, has a
//! timeout, and polls with a growing interval and jitter (a twentieth of the time waited so far,
//! between 0.5 s and 30 s, ±20 %), so short waits end promptly and long ones stay cheap.

use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::error::{Error, Result};
use crate::progress::Stream;

/// What one poll found.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll<T> {
    Ready(T),
    /// Not yet; the status to show.
    Pending(String),
}

const MIN_INTERVAL: Duration = Duration::from_millis(500);
const MAX_INTERVAL: Duration = Duration::from_secs(30);

/// The pause before the next poll, given how long we have waited.
pub fn interval(waited: Duration) -> Duration {
    let base = (waited / 20).clamp(MIN_INTERVAL, MAX_INTERVAL);
    let jitter = rand::rng().random_range(0.8..1.2);
    base.mul_f64(jitter)
}

/// Polls until `poll` is ready, showing `what` and the status on `progress`.
pub async fn until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    progress: &Stream,
    mut poll: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let start = Instant::now();
    loop {
        let status = match poll().await? {
            Poll::Ready(v) => return Ok(v),
            Poll::Pending(status) => status,
        };
        let waited = start.elapsed();
        progress.set(&format!("waiting for {what}: {status}"));
        if waited >= timeout {
            return Err(Error::Timeout {
                what: what.to_string(),
                after: timeout,
                last: status,
            });
        }
        let pause = interval(waited).min(timeout.saturating_sub(waited) + MIN_INTERVAL);
        tokio::time::sleep(pause).await;
    }
}

/// Polls until `status` says the resource is gone (`None`), showing its status meanwhile:
/// every delete that must finish before the next one (a nodegroup before its cluster, a DB
/// before its subnet group) waits through this.
pub async fn until_gone<F, Fut>(
    what: &str,
    timeout: Duration,
    progress: &Stream,
    mut status: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>>>,
{
    until(what, timeout, progress, || {
        let seen = status();
        async move {
            Ok(match seen.await? {
                Some(status) => Poll::Pending(status),
                None => Poll::Ready(()),
            })
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Progress;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn interval_grows_with_waiting_and_is_bounded() {
        for _ in 0..100 {
            let short = interval(Duration::from_secs(1));
            assert!(short >= Duration::from_millis(400) && short <= Duration::from_millis(600));
            let long = interval(Duration::from_secs(3600));
            assert!(long >= Duration::from_secs(24) && long <= Duration::from_secs(36));
        }
    }

    #[tokio::test]
    async fn until_returns_when_ready() {
        let n = AtomicU32::new(0);
        let p = Progress::new(true).stream("t");
        let v = until("x", Duration::from_secs(10), &p, || async {
            Ok(if n.fetch_add(1, Ordering::SeqCst) >= 2 {
                Poll::Ready(7)
            } else {
                Poll::Pending("no".into())
            })
        })
        .await
        .unwrap();
        assert_eq!(v, 7);
    }

    #[tokio::test]
    async fn until_gone_returns_once_nothing_is_found() {
        let n = AtomicU32::new(0);
        let p = Progress::new(true).stream("t");
        until_gone("x", Duration::from_secs(10), &p, || async {
            Ok((n.fetch_add(1, Ordering::SeqCst) < 2).then(|| "deleting".to_string()))
        })
        .await
        .unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn until_times_out_naming_what_it_waited_for() {
        let p = Progress::new(true).stream("t");
        let err = until(
            "snapshot s1 to be available",
            Duration::from_millis(600),
            &p,
            || async { Ok(Poll::<()>::Pending("creating".into())) },
        )
        .await
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("snapshot s1 to be available") && msg.contains("creating"),
            "{msg}"
        );
        assert_eq!(err.exit_code(), 1);
    }
}
