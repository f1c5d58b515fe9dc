//! ExportReport's stream: the chunks of an export are made as the client reads them.
//!
//! JSON is the stored content's text put in place in the report's canonical JSON, handed out a
//! slice at a time. The other formats are rendered on a blocking thread into a channel that holds
//! at most [`QUEUED_CHUNKS`] chunks: when the client stops reading, the renderer waits, and when
//! the client goes away, it stops. Beyond the report itself, an export holds a few chunks.
//!
//! The stored content's size follows the committee, not the database: per-contribution lists
//! (schedules, pledges, data-quality entries, contribution changes) are kept there as counts and
//! samples. The exports for people (CSV, Markdown, HTML) carry them whole, as annexes: [`annexed`]
//! computes the content again from the data at the report's own as-of instant and status date
//! (history is kept, so the same rows come back whenever it runs) and checks that it gives back
//! the stored content, hash for hash, before anything of it is rendered.

use std::io;

use bytes::Bytes;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_stream::{Stream, wrappers::ReceiverStream};

use super::render::{self, Format, Language, Sink};
use crate::{
    domain::session::SessionKey,
    error::{Error, Result},
    pb,
    report::assemble,
    store::reports::StoredReport,
    telemetry::metrics::EXPORT_BYTES,
};

/// What an export for people renders.
pub enum Content {
    /// The stored content's canonical JSON, rendered as it is.
    Stored(String),
    /// The content with its annexes (see [`annexed`]).
    Annexed(Box<pb::ReportContent>),
}

/// The content of `stored` with every per-contribution list, computed again from the data as
/// of the report's instant at its status date; the stored JSON (`content`) when that does not
/// give back the stored content exactly (a report stored before its lists were kept apart, or
/// whose status date was not recorded).
pub async fn annexed(pool: &PgPool, stored: &StoredReport, content: String) -> Result<Content> {
    let Some(status_date) = stored.status_date else {
        return Ok(Content::Stored(content));
    };
    let key = SessionKey::parse_name(&format!("sessions/{}", stored.session_id), "name")?;
    let inputs = assemble::load_full(pool, key, stored.as_of, Some(status_date), "name").await?;
    let sha256 = stored.content_sha256.clone();
    super::off_runtime(move || {
        let full = assemble::full(inputs)?;
        let again = pb::json::to_string(&assemble::stored_form(full.clone()));
        Ok(if assemble::sha256(&again) == sha256 {
            Content::Annexed(Box::new(full))
        } else {
            tracing::warn!(
                report.sha256 = %sha256,
                "the report's content computed again differs from the stored one: exported \
                 without annexes"
            );
            Content::Stored(content)
        })
    })
    .await
}

/// Largest piece of an exported file in one streamed message.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Room for a chunk's part name, content type and framing beside its bytes.
const CHUNK_OVERHEAD: usize = 1024;

/// The size of the pieces of an export for a server whose messages carry at most
/// `message_limit` bytes: [`CHUNK_BYTES`], or less when the limit is lower.
pub fn chunk_bytes(message_limit: usize) -> usize {
    CHUNK_BYTES
        .min(message_limit.saturating_sub(CHUNK_OVERHEAD))
        .max(1)
}

/// Chunks made but not yet taken by the client, per export.
const QUEUED_CHUNKS: usize = 2;

/// Exports holding a report in memory at once, in the whole process. An export holds its
/// report's content (the rendered formats parse it as well) until it ends, and a client that
/// does not read keeps it until the request timeout; further exports wait for a turn, within
/// their deadline, so that a few such clients cannot take the server past its memory limit.
pub const EXPORTS_AT_ONCE: usize = 4;

static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

/// A turn to export (see [`EXPORTS_AT_ONCE`]).
pub type Turn = tokio::sync::SemaphorePermit<'static>;

/// Waits for a turn to export; take it before loading the report's content.
pub async fn turn() -> Turn {
    TURNS
        .acquire()
        .await
        .expect("the export turns are never closed")
}

/// `stream`, holding `turn` until the stream is dropped.
pub fn holding<S: Stream>(turn: Turn, stream: S) -> impl Stream<Item = S::Item> {
    tokio_stream::StreamExt::map(stream, move |item| {
        let _held = &turn;
        item
    })
}

/// One message of the stream, or why the export stopped.
pub type Item = Result<pb::ExportReportChunk>;

/// The report as canonical JSON, `report` (read without its content) with `content` (its
/// content's stored canonical JSON) in place: the same bytes as encoding the whole report, made
/// without parsing the content. Pieces are at most `chunk_bytes` long.
pub fn json(
    report: &pb::Report,
    content: String,
    chunk_bytes: usize,
) -> impl Stream<Item = Item> + Send + 'static {
    let before = pb::Report {
        name: report.name.clone(),
        revision: report.revision,
        state: report.state,
        as_of: report.as_of,
        content_sha256: report.content_sha256.clone(),
        ..Default::default()
    };
    let after = pb::Report {
        content: None,
        name: String::new(),
        revision: 0,
        state: 0,
        as_of: None,
        content_sha256: String::new(),
        ..report.clone()
    };
    let (head, tail) = json_around_content(&before, &after);
    let pieces = [Bytes::from(head), Bytes::from(content), Bytes::from(tail)];
    let size = chunk_bytes.max(1);
    let chunks = pieces.into_iter().flat_map(move |piece| {
        let count = piece.len().div_ceil(size);
        (0..count).map(move |i| {
            let end = ((i + 1) * size).min(piece.len());
            piece.slice(i * size..end)
        })
    });
    tokio_stream::iter(chunks.map(|data| {
        metrics::counter!(EXPORT_BYTES).increment(data.len() as u64);
        Ok(pb::ExportReportChunk {
            part: "report.json".to_owned(),
            content_type: "application/json".to_owned(),
            data: data.to_vec(),
        })
    }))
}

/// The JSON text before and after the content's: `before` holds the fields declared before
/// `content`, `after` those declared after it (canonical JSON writes fields in declaration order).
fn json_around_content(before: &pb::Report, after: &pb::Report) -> (String, String) {
    let mut head = pb::json::to_string(before);
    head.pop(); // the closing brace
    if head.len() > 1 {
        head.push(',');
    }
    head.push_str("\"content\":");
    let after = pb::json::to_string(after);
    let tail = match after.strip_prefix('{') {
        Some("}") | None => "}".to_owned(),
        Some(rest) => format!(",{rest}"),
    };
    (head, tail)
}

/// The report rendered in `format` (CSV, Markdown or HTML), made on a blocking thread as the
/// client reads. `report` is read without its content; `content` is its stored JSON or the
/// content with its annexes. Pieces are at most `chunk_bytes` long.
pub fn rendered(
    report: pb::Report,
    content: Content,
    format: Format,
    language: Language,
    chunk_bytes: usize,
) -> impl Stream<Item = Item> + Send + 'static {
    let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let name = report.name.clone();
        let mut sink = ChunkSink::new(tx.clone(), chunk_bytes);
        let parsed = match content {
            Content::Stored(json) => super::parse_content(&name, &json),
            Content::Annexed(full) => Ok(*full),
        };
        let outcome = parsed.and_then(|parsed| {
            let report = pb::Report {
                content: Some(parsed),
                ..report
            };
            render::render_into(&report, format, language, &mut sink)
                .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name} failed: {e}")))
        });
        if let Err(e) = outcome
            && !sink.gone
        {
            let _ = tx.blocking_send(Err(e));
        }
    });
    ReceiverStream::new(rx)
}

/// A [`Sink`] that cuts the rendering into chunks and hands each to the stream, waiting while
/// the stream holds [`QUEUED_CHUNKS`] of them. Runs on a blocking thread.
struct ChunkSink {
    tx: mpsc::Sender<Item>,
    chunk_bytes: usize,
    part: String,
    content_type: &'static str,
    buffer: Vec<u8>,
    /// Whether the current part has been announced by a chunk yet.
    announced: bool,
    /// The client went away: stop rendering.
    gone: bool,
}

impl ChunkSink {
    fn new(tx: mpsc::Sender<Item>, chunk_bytes: usize) -> Self {
        let chunk_bytes = chunk_bytes.max(1);
        Self {
            tx,
            chunk_bytes,
            part: String::new(),
            content_type: "",
            buffer: Vec::with_capacity(chunk_bytes),
            announced: true,
            gone: false,
        }
    }

    fn send(&mut self, data: Vec<u8>) -> io::Result<()> {
        let len = data.len() as u64;
        let chunk = pb::ExportReportChunk {
            part: self.part.clone(),
            content_type: self.content_type.to_owned(),
            data,
        };
        if self.tx.blocking_send(Ok(chunk)).is_err() {
            self.gone = true;
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the client stopped reading the export",
            ));
        }
        metrics::counter!(EXPORT_BYTES).increment(len);
        self.announced = true;
        Ok(())
    }

    /// Sends what the current part holds; an empty part still sends one empty chunk, so the
    /// reader learns it exists.
    fn send_rest(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() || !self.announced {
            let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk_bytes));
            self.send(data)?;
        }
        Ok(())
    }
}

impl io::Write for ChunkSink {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            let room = self.chunk_bytes - self.buffer.len();
            let (now, later) = buf.split_at(room.min(buf.len()));
            self.buffer.extend_from_slice(now);
            buf = later;
            if self.buffer.len() == self.chunk_bytes {
                let data =
                    std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk_bytes));
                self.send(data)?;
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_rest()
    }
}

impl Sink for ChunkSink {
    fn begin(&mut self, name: &str, content_type: &'static str) -> io::Result<()> {
        self.send_rest()?;
        name.clone_into(&mut self.part);
        self.content_type = content_type;
        self.announced = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
        time::Duration,
    };

    use tokio_stream::StreamExt;

    use super::*;
    use crate::report::render::{Part, fixture};

    /// Gathers a stream's chunks into parts, checking each chunk's size.
    async fn gather(stream: impl Stream<Item = Item>) -> Vec<Part> {
        tokio::pin!(stream);
        let mut parts: Vec<Part> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("no error");
            assert!(chunk.data.len() <= CHUNK_BYTES);
            match parts.last_mut() {
                Some(last) if last.name == chunk.part => last.data.extend(chunk.data),
                _ => parts.push(Part {
                    name: chunk.part,
                    content_type: if chunk.content_type.starts_with("text/csv") {
                        "text/csv; charset=utf-8"
                    } else {
                        "other"
                    },
                    data: chunk.data,
                }),
            }
        }
        parts
    }

    fn without_content(report: &pb::Report) -> (pb::Report, String) {
        let content = pb::json::to_string(report.content.as_ref().expect("content"));
        (
            pb::Report {
                content: None,
                ..report.clone()
            },
            content,
        )
    }

    #[test]
    fn chunks_leave_room_under_a_low_message_limit() {
        assert_eq!(chunk_bytes(4 * 1024 * 1024), CHUNK_BYTES);
        assert_eq!(chunk_bytes(4096), 3072);
        assert_eq!(chunk_bytes(10), 1);
    }

    #[tokio::test]
    async fn the_json_export_is_the_reports_canonical_json() {
        let report = fixture::report();
        let (meta, content) = without_content(&report);
        let parts = gather(json(&meta, content, CHUNK_BYTES)).await;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "report.json");
        assert_eq!(
            String::from_utf8(parts[0].data.clone()).unwrap(),
            pb::json::to_string(&report)
        );
        // With only some of the fields around the content.
        let bare = pb::Report {
            content: Some(pb::ReportContent::default()),
            ..Default::default()
        };
        let (meta, content) = without_content(&bare);
        let parts = gather(json(&meta, content, 7)).await;
        assert_eq!(
            String::from_utf8(parts[0].data.clone()).unwrap(),
            pb::json::to_string(&bare)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_rendering_equals_the_rendering_in_memory() {
        let report = fixture::report();
        for format in [Format::Csv, Format::Markdown, Format::Html] {
            let (meta, content) = without_content(&report);
            let streamed = gather(rendered(
                meta,
                Content::Stored(content),
                format,
                Language::English,
                1000,
            ))
            .await;
            let in_memory = render::render(&report, format, Language::English).unwrap();
            assert_eq!(streamed.len(), in_memory.len(), "{format:?}");
            for (s, m) in streamed.iter().zip(&in_memory) {
                assert_eq!((&s.name, &s.data), (&m.name, &m.data), "{format:?}");
            }
        }
    }

    /// A sink over a channel the test reads, counting the bytes handed over.
    fn counted(capacity: usize) -> (ChunkSink, mpsc::Receiver<Item>, Arc<AtomicUsize>) {
        let (tx, rx) = mpsc::channel(capacity);
        let produced = Arc::new(AtomicUsize::new(0));
        (ChunkSink::new(tx, CHUNK_BYTES), rx, produced)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rendering_waits_for_a_reader_and_stops_when_it_leaves() {
        let (mut sink, mut rx, produced) = counted(QUEUED_CHUNKS);
        let counter = produced.clone();
        let writer = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            sink.begin("big.csv", "text/csv; charset=utf-8")?;
            let line = [b'x'; 1000];
            // 10 MB, far more than the channel holds.
            for _ in 0..10_000 {
                sink.write_all(&line)?;
                counter.fetch_add(line.len(), Ordering::SeqCst);
            }
            sink.flush()
        });
        let first = rx.recv().await.unwrap().unwrap();
        assert_eq!(first.part, "big.csv");
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Written so far: the chunk taken, the queued ones, and the one being filled.
        let bound = (QUEUED_CHUNKS + 2) * CHUNK_BYTES;
        assert!(
            produced.load(Ordering::SeqCst) <= bound,
            "{} bytes made while the reader waited (at most {bound})",
            produced.load(Ordering::SeqCst)
        );
        drop(rx);
        let err = writer.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(produced.load(Ordering::SeqCst) < 10_000_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn empty_parts_are_announced_and_chunks_cut_at_the_limit() {
        let (mut sink, mut rx, _) = counted(16);
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            sink.begin("empty.csv", "text/csv")?;
            sink.begin("full.csv", "text/csv")?;
            sink.write_all(&vec![b'y'; CHUNK_BYTES * 2 + 5])?;
            sink.flush()
        })
        .await
        .unwrap()
        .unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.unwrap();
            got.push((chunk.part, chunk.data.len()));
        }
        assert_eq!(
            got,
            [
                ("empty.csv".to_owned(), 0),
                ("full.csv".to_owned(), CHUNK_BYTES),
                ("full.csv".to_owned(), CHUNK_BYTES),
                ("full.csv".to_owned(), 5),
            ]
        );
    }
}
