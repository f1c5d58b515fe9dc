//! IATI 2.03 activity documents, in and out.
//!
//! - [`xml`] reads a document as a stream, one `iati-activity` at a time, with positions;
//! - [`activity`] reads an activity's elements into typed values, refusing a wrong value with
//!   its line, column and element;
//! - [`mapping`] turns an activity into the domain's programme, contributions, receipts,
//!   indicators and measurements;
//! - [`writer`] writes programmes back as an activity document the 2.03 schema accepts;
//! - [`reconcile`] compares a donor's publication with what the service records.
//!
//! No database and no protobuf here: `api::iati` resolves references and writes through the
//! store, and `store::iati` holds what IATI says beyond the domain.
//!
//! What IATI has no element for (a programme's or organization's own id, the thematic area, a
//! measurement's source...) travels in attributes and elements of this service's own namespace,
//! [`EXTENSION_NS`], which the standard's schema allows on most elements and other readers
//! ignore: an export imported again gives back the same data.

pub mod activity;
pub mod mapping;
pub mod reconcile;
pub mod writer;
pub mod xml;

/// Namespace of this service's extension attributes and elements (prefix `scpf`).
pub const EXTENSION_NS: &str = "urn:x-scpf-reports:iati";

/// IATI organisation identifier of the International Organization for Migration: the
/// reporting organisation of an export, and the receiver a donor's publication is read for.
pub const IOM_REF: &str = "XM-DAC-47066";

/// Name of the reporting organisation of an export.
pub const IOM_NAME: &str = "International Organization for Migration";

/// IATI OrganisationType of the reporting organisation (40: multilateral).
pub const IOM_TYPE: &str = "40";
