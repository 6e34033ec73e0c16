//! Handlers, one file per URL family.

pub mod assets;
pub mod fortunes;
pub mod hello;
pub mod home;
pub mod layout;
pub mod listings;
pub mod metrics;
pub mod openapi;
pub mod reader;
pub mod ready;
pub mod results;
pub mod search;
pub mod sql;
pub mod stats;
pub mod suggest;
pub mod table;
pub mod tfb;
pub mod wiki;
pub mod xml;

pub(crate) use folio_engine::title_to_url as encode_title;
