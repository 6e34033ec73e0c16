//! Switching a dataset to a new index while serving: when `folio-ingest build` publishes a new
//! index over a served directory (one atomic rename, see `folio_engine::publish`), the server
//! notices within `--reload-poll` seconds (one `stat` of each dataset's manifest per poll), or at
//! once on SIGHUP, opens the new index and swaps it in ([`Dataset::reload`]). Requests in flight
//! finish on the index they started with; the SQL workers are renewed so ad-hoc queries read
//! the new page tables. An index that fails to open is logged and not swapped in.
//!
//! [`Dataset::reload`]: folio_engine::library::Dataset::reload

use std::time::Duration;

use folio_engine::library::Reload;

use crate::state::AppState;

/// Reloads every dataset whose directory holds another index than the one served (every one
/// with `force`); each dataset's name and what happened.
pub async fn reload_all(state: &AppState, force: bool) -> Vec<(String, Result<Reload, String>)> {
    let mut outcomes = Vec::with_capacity(state.library.len());
    let mut switched = false;
    for dataset in state.library.iter() {
        let d = dataset.clone();
        // Opening maps files and reads a few MiB: off the async workers.
        let outcome = tokio::task::spawn_blocking(move || d.reload(force).map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(format!("the reload task failed: {e}")));
        match &outcome {
            Ok(Reload::Switched { from, to }) => {
                tracing::info!(dataset = dataset.name(), from = %from, to = %to, "serving a new index");
                switched = true;
            }
            Ok(Reload::Unchanged) => {}
            Err(e) => {
                tracing::error!(dataset = dataset.name(), "the new index was not loaded, the old one serves on: {e}")
            }
        }
        outcomes.push((dataset.name().to_owned(), outcome));
    }
    if switched {
        state.catalog.renew_pages();
    }
    outcomes
}

/// How often a server with read-only tables looks at their writer's files (two `stat`s).
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// With tables opened read-only: applies the writer's commits every [`FOLLOW_EVERY`] (the
/// world rows it changed leave `/cached-queries`' cache). Returns at once otherwise.
pub async fn follow_tables(state: AppState) {
    if state.catalog.mode() != folio_engine::sql::TablesMode::ReadOnly {
        return;
    }
    let mut ticks = tokio::time::interval(FOLLOW_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticks.tick().await;
        let catalog = state.catalog.clone();
        let outcome = tokio::task::spawn_blocking(move || catalog.follow().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(format!("the follow task failed: {e}")));
        match outcome {
            Ok(changed) => {
                if failing {
                    tracing::info!("following the tables' writer again");
                }
                failing = false;
                state.cache.invalidate(changed.into_iter().map(|id| id as i32));
            }
            Err(e) if !failing => {
                tracing::warn!("cannot follow the tables' writer (keeps trying; answers hold the last rows read): {e}");
                failing = true;
            }
            Err(_) => {}
        }
    }
}

/// Reloads datasets every `poll` (when given) and on each SIGHUP, until the runtime stops. The
/// SIGHUP handler is installed at once, before the future runs: a SIGHUP sent as soon as the
/// server answers reloads it instead of ending it. Call it within the runtime.
pub fn watch(state: AppState, poll: Option<Duration>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    watching(state, poll, hangup)
}

async fn watching(state: AppState, poll: Option<Duration>, mut hangup: Option<tokio::signal::unix::Signal>) {
    let mut ticks = poll.map(|p| {
        let mut t = tokio::time::interval(p);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    loop {
        let force = tokio::select! {
            Some(()) = async { match &mut hangup { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            _ = async { match &mut ticks { Some(t) => t.tick().await, None => std::future::pending().await } } => false,
        };
        if force {
            tracing::info!("SIGHUP: reloading every dataset");
        }
        reload_all(&state, force).await;
    }
}
