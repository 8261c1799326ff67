//! The service's notion of "now", injectable so tests move time instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use parking_lot::RwLock;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Clock {
    /// `None`: the system clock. `Some`: a manual clock that tests set and advance.
    manual: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { manual: None }
    }

    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock {
            manual: Some(Arc::new(RwLock::new(start))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(t) => *t.read(),
        }
    }

    /// Move a manual clock to `t`; a system clock ignores it.
    pub fn set(&self, t: DateTime<Utc>) {
        if let Some(cell) = &self.manual {
            *cell.write() = t;
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}
