//! One error type for the whole service, and the one outcome type of a refusal: actions and
//! handlers return `AppError`. A refusal of a form carries its notes by field (`fields`), so a
//! handler can show the form again with everything typed; otherwise the response carries an
//! `ErrorInfo` that `web::errors` renders as a page or as JSON `{error, message}`.
//! Only real faults are 500s, and those are logged with their detail, never shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    /// Machine-readable code for the JSON API, e.g. `not_found`.
    pub code: &'static str,
    /// For a person; safe to show.
    pub message: String,
    /// Seconds after which a 429 may be retried.
    pub retry_after: Option<u64>,
    /// Notes by form field name, in form order, when a form was refused.
    pub fields: Vec<(&'static str, String)>,
}

/// What the error renderer needs, left in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            fields: Vec::new(),
        }
    }

    /// A form refused with notes by field (422); the message lists them all.
    pub fn invalid_fields(code: &'static str, fields: Vec<(&'static str, String)>) -> Self {
        let message = fields
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        AppError {
            fields,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }

    /// The note belongs with `field` of the form that was sent.
    pub fn on_field(mut self, field: &'static str) -> Self {
        self.fields = vec![(field, self.message.clone())];
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} was not found."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Please log in first.")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn too_many(retry_after: u64) -> Self {
        AppError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests. Please try again in {retry_after} seconds."),
            )
        }
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The database is not answering right now. Please try again in a moment.",
        )
    }

    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "upstream_error", message)
    }

    /// The same error under another machine code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// A real fault: logged with its detail, shown as a generic message.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(detail = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. It has been logged.",
        )
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        let mut response = response.body(self.message.clone());
        response.extensions_mut().insert(ErrorInfo {
            code: self.code,
            message: self.message.clone(),
        });
        response
    }
}

/// Messages of a database that went away or is too busy: a 503 to retry, not a fault of ours.
fn is_connection_trouble(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "database is locked",
        "connection",
        "server closed",
        "terminating",
        "could not receive",
        "could not send",
        "ssl syscall",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &err {
            Error::NotFound => AppError::not_found("That record"),
            // PostgreSQL broke a deadlock (two batches of writes waiting on each other) by
            // refusing this write: the person tries again, like a lost serialization race.
            Error::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                AppError::conflict("busy", "Another change got there first. Please try again.")
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::conflict("busy", "Another change got there first. Please try again.")
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )
            | Error::BrokenTransactionManager => {
                tracing::warn!(error = %err, "database connection lost");
                AppError::unavailable()
            }
            Error::DatabaseError(_, info) if is_connection_trouble(info.message()) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::unavailable()
            }
            _ => AppError::internal(err),
        }
    }
}
