//! The one table of API errors: a stable code, an HTTP status and a message for each.
//!
//! Every error answer is JSON: `{"error": {"code": "...", "message": "..."}}`; a `sql_limit`
//! answer also names the limit: `{"error": {"code": "sql_limit", "limit": "memory", ...}}`.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident => $status:ident, $code:literal;)*) => {
        /// Every kind of error the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// The HTTP status of this error.
            pub fn status(self) -> StatusCode {
                match self { $(Code::$name => StatusCode::$status,)* }
            }

            /// The stable code string of this error.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// Every code, for the OpenAPI document and the docs.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];
        }
    };
}

error_codes! {
    /// No page has this title.
    PageNotFound => NOT_FOUND, "page_not_found";
    /// No route has this path.
    RouteNotFound => NOT_FOUND, "route_not_found";
    /// No dataset has the name in `/d/{name}/`: `/datasets` lists them.
    DatasetNotFound => NOT_FOUND, "dataset_not_found";
    /// The route exists but not for this method.
    MethodNotAllowed => METHOD_NOT_ALLOWED, "method_not_allowed";
    /// A prefix of fewer than 3 characters.
    NameTooShort => BAD_REQUEST, "name_too_short";
    /// A path that is not valid percent-encoded UTF-8, or a bad query parameter.
    BadRequest => BAD_REQUEST, "bad_request";
    /// `/xml` without a range.
    RangeRequired => BAD_REQUEST, "range_required";
    /// A `Range` that does not parse.
    BadRange => BAD_REQUEST, "bad_range";
    /// More ranges than one answer carries.
    TooManyRanges => BAD_REQUEST, "too_many_ranges";
    /// A range that lies past the end of the dump.
    RangeNotSatisfiable => RANGE_NOT_SATISFIABLE, "range_not_satisfiable";
    /// A listing cursor that does not decode.
    BadCursor => BAD_REQUEST, "bad_cursor";
    /// An answer larger than the configured limit.
    TooManyResults => BAD_REQUEST, "too_many_results";
    /// Redirects that loop or chain more than 5 times.
    RedirectLoop => LOOP_DETECTED, "redirect_loop";
    /// The index has no suggestion files (built by an older format): rebuild it.
    SearchMissing => NOT_FOUND, "search_missing";
    /// A full-text query that does not parse or asks for what is not supported.
    BadQuery => BAD_REQUEST, "bad_query";
    /// The index has no full-text index: the message names the command that builds it.
    FulltextMissing => NOT_FOUND, "fulltext_missing";
    /// The CPU-heavy work queue is full.
    Overloaded => SERVICE_UNAVAILABLE, "overloaded";
    /// The index is damaged.
    IndexError => INTERNAL_SERVER_ERROR, "index_error";
    /// The dump was truncated or rewritten while being served: rebuild the index and restart.
    DumpChanged => SERVICE_UNAVAILABLE, "dump_changed";
    /// A bz2 stream of a compressed dump is damaged: the pages in it cannot be served (the
    /// message names the stream's offset); every other page can.
    DumpDamaged => SERVICE_UNAVAILABLE, "dump_damaged";
    /// A SQL statement that does not parse, plan or run (DataFusion's message).
    SqlError => BAD_REQUEST, "sql_error";
    /// A SQL statement that is not a read-only query.
    SqlForbidden => BAD_REQUEST, "sql_forbidden";
    /// A query over one of its limits (`time`, `memory`, `rows`, `bytes`, `stack`), named in the
    /// answer's `limit` field; the query was stopped.
    SqlLimit => BAD_REQUEST, "sql_limit";
    /// A helper process failed in a way no limit explains (a bug); it was replaced.
    Internal => INTERNAL_SERVER_ERROR, "internal_error";
    /// A URL longer than the server accepts.
    UriTooLong => URI_TOO_LONG, "uri_too_long";
    /// Request headers larger than the server accepts.
    HeadersTooLarge => REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large";
    /// A request body larger than the route accepts.
    BodyTooLarge => PAYLOAD_TOO_LARGE, "body_too_large";
    /// A request body of a type the route does not take.
    UnsupportedMediaType => UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type";
    /// A write that could not be made durable (a full disk); nothing changed. Retry later.
    WriteUnavailable => SERVICE_UNAVAILABLE, "write_unavailable";
    /// This server opened its SQL tables read-only (`--tables-read-only`): writes go to the
    /// server that holds them.
    ReadOnly => FORBIDDEN, "read_only";
    /// Not ready to take requests from a load balancer (`/ready`): the server is stopping, or an
    /// index failed verification.
    NotReady => SERVICE_UNAVAILABLE, "not_ready";
}

/// An error answer: a code, a message, and any extra headers it needs.
#[derive(Debug)]
pub struct ApiError {
    /// What kind of error.
    pub code: Code,
    /// What went wrong, for a person.
    pub message: String,
    /// For `sql_limit`: which limit.
    pub limit: Option<&'static str>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error of kind `code`.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), limit: None, headers: Vec::new() }
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }
}

impl From<folio_engine::Error> for ApiError {
    fn from(e: folio_engine::Error) -> ApiError {
        use folio_engine::Error as E;
        match e {
            E::Sql(m) => ApiError::new(Code::SqlError, m),
            E::SqlForbidden(m) => ApiError::new(Code::SqlForbidden, m),
            E::SqlLimit { limit, message } => {
                ApiError { limit: Some(limit.as_str()), ..ApiError::new(Code::SqlLimit, message) }
            }
            e @ E::RedirectLoop { .. } => ApiError::new(Code::RedirectLoop, e.to_string()),
            E::TooManyResults { prefix, count, max } => ApiError::new(
                Code::TooManyResults,
                format!("{count} titles start with {prefix:?}, more than {max}; page through /titles instead"),
            ),
            E::Overloaded(m) => ApiError::new(Code::Overloaded, m),
            E::SearchMissing(m) => ApiError::new(Code::SearchMissing, m),
            E::BadQuery(m) => ApiError::new(Code::BadQuery, m),
            E::FulltextMissing(m) => ApiError::new(Code::FulltextMissing, m),
            E::Internal(m) => ApiError::new(Code::Internal, m),
            E::InvalidInput(m) => ApiError::new(Code::BadRequest, m),
            e @ E::Unavailable { .. } => ApiError::new(Code::WriteUnavailable, e.to_string()),
            e @ E::ReadOnly { .. } => ApiError::new(Code::ReadOnly, e.to_string()),
            e @ E::DumpChanged { .. } => ApiError::new(Code::DumpChanged, e.to_string()),
            e @ E::DumpDamaged { .. } => ApiError::new(Code::DumpDamaged, e.to_string()),
            e => ApiError::new(Code::IndexError, format!("{} ({})", e, e.code())),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({"code": self.code.as_str(), "message": self.message});
        if let Some(limit) = self.limit {
            error["limit"] = limit.into();
        }
        let body = serde_json::json!({ "error": error });
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        if matches!(self.code, Code::Overloaded | Code::WriteUnavailable) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
