//! The inventory: CSV bytes to typed rows, each named by the line it starts on.

mod columns;
pub mod error;
mod handoff;
pub mod param;
mod parse;
mod quick;
pub mod read;
pub mod record;
pub mod row;
pub mod schema;
pub mod sheet;
pub mod sniff;
mod span;
pub mod suggest;
pub mod table;
pub mod tap;
pub mod workbook;

pub use error::InputError;
pub use param::Param;
pub use read::Reader;
pub use record::{Record, RecordBuf, Records};
pub use row::{Cell, Row};
pub use schema::Schema;
