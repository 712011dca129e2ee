//! fiscal-etl: extract every table of Chinese department budget and
//! final-accounts report texts into Hive-partitioned Parquet datasets.
//!
//! Flow, one direction, one module per stage:
//! [`discover`] → [`decode`] → [`parse`] (metadata, tables, grid; pure, no I/O)
//! → [`report_meta`] (path, sidecar, the government through [`region`])
//! → [`slug`] (partition values) → [`arrow_out`] (record batches)
//! → [`sink`] (partitioned Parquet) — driven by [`pipeline`].

pub mod arrow_out;
pub mod catalog;
pub mod cell;
pub mod checks;
pub mod config;
pub mod convert;
pub mod decode;
pub mod discover;
pub mod inspect;
pub mod interrupt;
pub mod lock;
pub mod log;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod region;
pub mod report_meta;
pub mod sink;
pub mod slug;
pub mod verify;
