//! A refused request: its status, its class and the field at fault, answered as JSON.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A refused request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// Its HTTP status.
    pub status: StatusCode,
    /// Its class, as `/metrics` counts it: `unauthenticated`, `forbidden`, `invalid_account`...
    pub class: &'static str,
    /// The field at fault, if one is.
    pub field: Option<String>,
    /// What is wrong, for a person.
    pub message: String,
}

/// The error class of a response, kept in its extensions for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorClass(pub &'static str);

impl ApiError {
    /// A refusal with `status` of `class`, naming `field`.
    pub fn new(
        status: StatusCode,
        class: &'static str,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            class,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    /// A 400 for a malformed body.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", Some("body"), message)
    }

    /// A 422 for a well-formed body whose `field` is wrong.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let field = (!field.is_empty()).then_some(field);
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            field,
            message,
        )
    }

    /// A 400 for a query parameter out of range.
    pub fn parameter(name: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", Some(name), message)
    }

    /// A 404 for an unknown `field` value.
    pub fn not_found(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", field, message)
    }

    /// A 413 for a body or batch over its bound.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", Some("body"), message)
    }

    /// A 500: a fault of the service, never of the client.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None, message)
    }

    /// The error as JSON: `{"error": {"class", "field", "message"}}`.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {"class": self.class, "field": self.field, "message": self.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(ErrorClass(self.class));
        response
    }
}
