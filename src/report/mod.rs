//! Session reports: rendering a computed report into the formats committee members read.

pub mod render;
