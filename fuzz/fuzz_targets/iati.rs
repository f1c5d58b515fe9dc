//! The IATI importer without its database: any bytes, whole or cut into pieces anywhere (as the
//! chunks of an ImportIati stream are), are read into activities and problems, and every activity
//! read is mapped to the domain as an import maps it. Never a panic; and the pieces a document
//! arrives in change nothing of what is read from it, positions included.
#![no_main]

use std::{collections::HashMap, sync::OnceLock};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use scpf_reports::{
    domain::programme::Partner,
    iati::{
        IOM_REF, activity,
        mapping::{self, org_key},
        reconcile,
        xml::{DocumentReader, Item, Piece, Pieces},
    },
};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

/// `document` in pieces of `size` bytes (the last may be shorter).
fn pieces(document: &Bytes, size: usize) -> Pieces {
    let cut: Vec<std::io::Result<Piece>> = (0..document.len().div_ceil(size).max(1))
        .map(|i| {
            Ok(Piece {
                bytes: document
                    .slice((i * size).min(document.len())..((i + 1) * size).min(document.len())),
                starts_at: None,
            })
        })
        .collect();
    Box::pin(futures::stream::iter(cut))
}

/// Everything read from the document, one line per item, and the activities read whole.
async fn read(pieces: Pieces) -> (Vec<String>, Vec<activity::Activity>) {
    let mut reader = DocumentReader::new(pieces);
    let mut seen = Vec::new();
    let mut activities = Vec::new();
    // The pieces come from memory: the byte stream itself never fails.
    while let Some(item) = reader
        .next()
        .await
        .expect("an in-memory stream does not fail")
    {
        match item {
            Item::Problem(p) => {
                assert!(p.at.line >= 1 && p.at.column >= 1, "{p:?}");
                seen.push(format!("problem {p:?}"));
            }
            Item::Activity { at, read: Err(p) } => {
                assert!(at.line >= 1 && at.column >= 1 && p.at >= at, "{at:?} {p:?}");
                seen.push(format!("broken activity at {at:?}: {p:?}"));
            }
            Item::Activity { at, read: Ok(e) } => match activity::read(&e) {
                Ok(a) => {
                    seen.push(format!("activity at {at:?}: {}", a.content_sha256));
                    activities.push(a);
                }
                Err(p) => seen.push(format!("refused activity at {at:?}: {p:?}")),
            },
        }
        assert!(seen.len() < 1_000_000);
    }
    (seen, activities)
}

/// The domain values an import would write, with organizations resolved as a new database
/// resolves them (their own id, else a slug of their identifier or name).
fn map(a: &activity::Activity) {
    let programme =
        a.id.clone()
            .unwrap_or_else(|| mapping::slug_id(&a.identifier));
    let mut orgs = HashMap::new();
    let mut partners: Vec<Partner> = Vec::new();
    let provided = a
        .transactions
        .iter()
        .filter(|t| t.is_incoming())
        .filter_map(|t| t.provider.as_ref());
    for (org, role) in a
        .participants
        .iter()
        .filter(|p| !p.implied)
        .map(|p| (&p.org, Some(p.role)))
        .chain(provided.map(|o| (o, None)))
    {
        if org.reference.is_empty() && org.name.is_empty() && org.id.is_none() {
            // Refused by the import as REQUIRED before anything is mapped.
            return;
        }
        let id = org.id.clone().unwrap_or_else(|| {
            mapping::slug_id(if org.reference.is_empty() {
                &org.name
            } else {
                &org.reference
            })
        });
        orgs.insert(org_key(org), id.clone());
        if let Some(role) = role {
            let partner = Partner {
                organization: id,
                role,
            };
            if !partners.contains(&partner) {
                partners.push(partner);
            }
        }
    }
    let _ = mapping::programme(a, programme.clone(), partners, None);
    let _ = mapping::funding(a, &programme, &orgs);
    let _ = mapping::indicators(a, &programme);
    let _ = reconcile::flows(a, IOM_REF);
}

fuzz_target!(|data: &[u8]| {
    let document = Bytes::copy_from_slice(data);
    // Pieces of 1 to 61 bytes, changing with the input, so that every place gets cut.
    let size = 1 + data.len() % 61;
    runtime().block_on(async {
        let (whole, activities) = read(pieces(&document, document.len().max(1))).await;
        let (cut_up, _) = read(pieces(&document, size)).await;
        assert_eq!(whole, cut_up, "read differently in pieces of {size} bytes");
        for a in &activities {
            map(a);
        }
    });
});
