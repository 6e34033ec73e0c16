//! [`OrAnswer`]: the future of a middleware that either passes a request on or answers it at
//! once (an unknown dataset: [`Pick`](crate::scope::Pick)). A struct of its own, no boxing.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};

pin_project_lite::pin_project! {
    /// The inner service's future, or an answer ready at once.
    pub struct OrAnswer<F> {
        #[pin]
        inner: Option<F>,
        answer: Option<Response>,
    }
}

impl<F> OrAnswer<F> {
    /// Waits for the inner service's answer.
    pub fn call(inner: F) -> OrAnswer<F> {
        OrAnswer { inner: Some(inner), answer: None }
    }

    /// Answers `answer` at once.
    pub fn answer(answer: impl IntoResponse) -> OrAnswer<F> {
        OrAnswer { inner: None, answer: Some(answer.into_response()) }
    }
}

impl<F, E> Future for OrAnswer<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.as_pin_mut() {
            Some(inner) => inner.poll(cx),
            None => Poll::Ready(Ok(this
                .answer
                .take()
                .unwrap_or_else(|| ApiError::new(Code::Internal, "an answer polled twice").into_response()))),
        }
    }
}
