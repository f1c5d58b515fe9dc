//! Reading an IATI document as a stream: bytes arrive in pieces, each `iati-activity` is read
//! into a small tree of [`Element`]s (one activity at a time, never the whole document), and
//! every element keeps the line and column it starts at.
//!
//! Every element and attribute remembers whether the mapping used it, so that what the service
//! does not hold is counted by name ([`Element::unused`]) instead of being dropped silently.

use std::{
    collections::BTreeMap,
    fmt, io,
    pin::Pin,
    sync::atomic::{AtomicBool, Ordering::Relaxed},
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use quick_xml::{
    NsReader, XmlVersion,
    events::{BytesStart, Event},
    name::{Namespace, ResolveResult},
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

use super::EXTENSION_NS;

/// The XML namespace (`xml:lang`).
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A place in the document: line from 1, column from 1 in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong at one place of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Pos,
    /// The element, or `element/@attribute`, concerned.
    pub element: String,
    /// Stable reason (`MALFORMED_XML`, `INVALID_DECIMAL`...).
    pub reason: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(
        at: Pos,
        element: impl Into<String>,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            at,
            element: element.into(),
            reason,
            message: message.into(),
        }
    }

    fn malformed(at: Pos, element: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem::new(at, element, "MALFORMED_XML", message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}: {}: {}",
            self.at, self.element, self.reason, self.message
        )
    }
}

/// A piece of the document, and, when the sender says so, where it starts in its file.
#[derive(Debug, Clone)]
pub struct Piece {
    pub bytes: Bytes,
    pub starts_at: Option<Pos>,
}

/// The pieces of a document, in order.
pub type Pieces = Pin<Box<dyn Stream<Item = io::Result<Piece>> + Send>>;

/// A buffered reader over the pieces that counts lines and columns of what it hands out, and
/// remembers where the last `<` was: where the element just read starts.
struct Counted {
    pieces: Pieces,
    current: Bytes,
    offset: usize,
    done: bool,
    pos: Pos,
    last_open: Pos,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Counted {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.offset == this.current.len() && !this.done {
            match ready!(this.pieces.poll_next_unpin(cx)) {
                None => this.done = true,
                Some(Err(e)) => return Poll::Ready(Err(e)),
                Some(Ok(piece)) => {
                    if let Some(at) = piece.starts_at {
                        this.pos = at;
                    }
                    this.current = piece.bytes;
                    this.offset = 0;
                }
            }
        }
        Poll::Ready(Ok(&this.current[this.offset..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let end = (this.offset + amt).min(this.current.len());
        for &b in &this.current[this.offset..end] {
            match b {
                b'<' => {
                    this.last_open = this.pos;
                    this.pos.column += 1;
                }
                b'\n' => {
                    this.pos.line += 1;
                    this.pos.column = 1;
                }
                // UTF-8 continuation bytes do not start a character.
                b if b & 0xC0 == 0x80 => {}
                _ => this.pos.column += 1,
            }
        }
        this.offset = end;
    }
}

/// Whether the mapping used an element or attribute (atomic so that an activity can be held
/// across the awaits of its write).
#[derive(Debug, Default)]
struct Flag(AtomicBool);

impl Flag {
    fn set(&self) {
        self.0.store(true, Relaxed);
    }

    fn clear(&self) {
        self.0.store(false, Relaxed);
    }

    fn get(&self) -> bool {
        self.0.load(Relaxed)
    }
}

/// An attribute as read, and whether the mapping used it.
#[derive(Debug)]
struct Attr {
    name: String,
    value: String,
    used: Flag,
}

/// One element of an activity, with its attributes, text and children.
#[derive(Debug)]
pub struct Element {
    /// The name: a plain IATI name (`transaction`), `scpf:name` for this service's extensions,
    /// `xml:lang`, or the name as written for other namespaces.
    pub name: String,
    pub at: Pos,
    attrs: Vec<Attr>,
    text: String,
    pub children: Vec<Element>,
    used: Flag,
}

impl Element {
    /// The value of an attribute, marking it used.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| {
            a.used.set();
            a.value.as_str()
        })
    }

    /// The first child of that name, marking it used.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name == name)
            .inspect(|c| c.used.set())
    }

    /// Every child of that name, each marked used as it is visited.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name == name)
            .inspect(|c| c.used.set())
    }

    /// The element's own text, trimmed; marks the element used.
    pub fn text(&self) -> &str {
        self.used.set();
        self.text.trim()
    }

    /// Marks the element used without reading anything from it.
    pub fn mark_used(&self) {
        self.used.set();
    }

    /// Marks the element unused again: it was looked at, and left out.
    pub fn mark_unused(&self) {
        self.used.clear();
    }

    /// Marks the element, its attributes and everything inside it used.
    pub fn mark_all_used(&self) {
        self.used.set();
        for a in &self.attrs {
            a.used.set();
        }
        for c in &self.children {
            c.mark_all_used();
        }
    }

    /// An attribute's value, without marking it used (to look before choosing).
    pub fn attr_unmarked(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The first child of that name, without marking it used.
    pub fn child_unmarked(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element's trimmed text, without marking it used.
    pub fn peek_text(&self) -> String {
        self.text.trim().to_owned()
    }

    /// The trimmed text of the first `narrative` child, without marking anything used.
    pub fn peek_narrative(&self) -> String {
        self.child_unmarked("narrative")
            .map(|n| n.text.trim().to_owned())
            .unwrap_or_default()
    }

    /// Counts what was not used, by path below `prefix`: an unused element counts once for
    /// itself and its whole content; an unused attribute of a used element counts as
    /// `element/@attribute`.
    pub fn unused(&self, prefix: &str, into: &mut BTreeMap<String, i64>) {
        for a in self.attrs.iter().filter(|a| !a.used.get()) {
            *into
                .entry(join(prefix, &format!("@{}", a.name)))
                .or_default() += 1;
        }
        for c in &self.children {
            let path = join(prefix, &c.name);
            if c.used.get() {
                c.unused(&path, into);
            } else {
                *into.entry(path).or_default() += 1;
            }
        }
    }

    /// SHA-256 of the element's content: names, attributes (sorted), trimmed text and children,
    /// without positions or formatting.
    pub fn content_sha256(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        self.feed(&mut hasher);
        hasher.finalize().into()
    }

    fn feed(&self, h: &mut Sha256) {
        let mut attrs: Vec<&Attr> = self.attrs.iter().collect();
        attrs.sort_by(|a, b| a.name.cmp(&b.name));
        h.update(b"<");
        h.update(self.name.as_bytes());
        for a in attrs {
            h.update(b"\x1f");
            h.update(a.name.as_bytes());
            h.update(b"=");
            h.update(a.value.as_bytes());
        }
        h.update(b">");
        h.update(self.text.trim().as_bytes());
        for c in &self.children {
            c.feed(h);
        }
        h.update(b"</>");
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// What the document reader found next.
#[derive(Debug)]
pub enum Item {
    /// An activity read whole, or the problem that stopped it; `at` is where it starts.
    Activity {
        at: Pos,
        read: Result<Element, Problem>,
    },
    /// A problem outside any activity.
    Problem(Problem),
}

/// Reads a document's activities one at a time.
pub struct DocumentReader {
    reader: NsReader<Counted>,
    buf: Vec<u8>,
    state: State,
    /// The `version` attribute of `iati-activities`, when there is one.
    pub version: Option<String>,
    /// Where the last syntax error was.
    last_problem: Option<Pos>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root element.
    Prolog,
    /// Inside `iati-activities`, between activities.
    InRoot,
    /// After a broken activity: looking for the next `iati-activity`.
    Resync,
    /// After the root element.
    Done,
}

/// An event reduced to what the reader needs, owning its data.
enum Ev {
    Start(Element),
    Empty(Element),
    End(String),
    Text(String),
    Eof,
    Other,
}

impl DocumentReader {
    pub fn new(pieces: Pieces) -> DocumentReader {
        let counted = Counted {
            pieces,
            current: Bytes::new(),
            offset: 0,
            done: false,
            pos: Pos::START,
            last_open: Pos::START,
        };
        let mut reader = NsReader::from_reader(counted);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        DocumentReader {
            reader,
            buf: Vec::new(),
            state: State::Prolog,
            version: None,
            last_problem: None,
        }
    }

    fn last_open(&mut self) -> Pos {
        self.reader.get_mut().last_open
    }

    fn here(&mut self) -> Pos {
        self.reader.get_mut().pos
    }

    /// The next activity or problem; `None` at the end of the document. An error is a failure
    /// of the byte stream itself, not of the document.
    pub async fn next(&mut self) -> io::Result<Option<Item>> {
        loop {
            let ev = match self.event().await {
                Ok(ev) => ev,
                Err(problem) => {
                    if self.state == State::Done {
                        return Ok(None);
                    }
                    let here = self.here();
                    // A syntax error outside an activity: report it and look for the next one,
                    // unless the reader is stuck at the same place (then the document ends here).
                    self.state = match self.state {
                        State::Prolog => State::Done,
                        _ if self.last_problem == Some(here) => State::Done,
                        _ => State::Resync,
                    };
                    self.last_problem = Some(here);
                    return Ok(Some(Item::Problem(problem?)));
                }
            };
            match (self.state, ev) {
                (_, Ev::Eof) => {
                    let unfinished = matches!(self.state, State::InRoot | State::Resync);
                    let at = self.here();
                    self.state = State::Done;
                    if unfinished {
                        return Ok(Some(Item::Problem(Problem::malformed(
                            at,
                            "iati-activities",
                            "the document ends before </iati-activities>",
                        ))));
                    }
                    return Ok(None);
                }
                (State::Prolog, Ev::Start(e)) if e.name == "iati-activities" => {
                    self.version = e.attr("version").map(str::to_owned);
                    self.state = State::InRoot;
                }
                (State::Prolog, Ev::Start(e)) if e.name == "iati-activity" => {
                    // A document of one activity.
                    let at = e.at;
                    let read = self.activity(e).await?;
                    self.state = if read.is_ok() {
                        State::Done
                    } else {
                        State::Resync
                    };
                    return Ok(Some(Item::Activity { at, read }));
                }
                (State::Prolog | State::InRoot | State::Resync, Ev::Empty(e))
                    if e.name == "iati-activity" =>
                {
                    if self.state == State::Prolog {
                        self.state = State::Done;
                    } else {
                        self.state = State::InRoot;
                    }
                    return Ok(Some(Item::Activity {
                        at: e.at,
                        read: Ok(e),
                    }));
                }
                (State::Prolog, Ev::Empty(e) | Ev::Start(e)) => {
                    self.state = State::Done;
                    return Ok(Some(Item::Problem(Problem::new(
                        e.at,
                        e.name.clone(),
                        "NOT_IATI_ACTIVITIES",
                        format!(
                            "the document's root is <{}>, not <iati-activities> or <iati-activity>",
                            e.name
                        ),
                    ))));
                }
                (State::Prolog, Ev::Text(t)) if !t.trim().is_empty() => {
                    let at = self.here();
                    self.state = State::Done;
                    return Ok(Some(Item::Problem(Problem::malformed(
                        at,
                        "",
                        "text before the root element",
                    ))));
                }
                (State::InRoot | State::Resync, Ev::End(name)) if name == "iati-activities" => {
                    self.state = State::Done;
                }
                (State::InRoot | State::Resync, Ev::Start(e)) if e.name == "iati-activity" => {
                    let at = e.at;
                    let read = self.activity(e).await?;
                    self.state = if read.is_ok() {
                        State::InRoot
                    } else {
                        State::Resync
                    };
                    return Ok(Some(Item::Activity { at, read }));
                }
                (State::InRoot, Ev::Start(e)) => {
                    // Another element at the top level: skipped whole.
                    self.skip(e).await?;
                }
                (State::Done, Ev::Start(e) | Ev::Empty(e)) => {
                    return Ok(Some(Item::Problem(Problem::malformed(
                        e.at,
                        e.name,
                        "an element after the end of the root element",
                    ))));
                }
                _ => {}
            }
        }
    }

    /// Reads the rest of an activity whose start tag was just read.
    async fn activity(&mut self, root: Element) -> io::Result<Result<Element, Problem>> {
        let mut stack = vec![root];
        loop {
            let ev = match self.event().await {
                Ok(ev) => ev,
                Err(problem) => return problem.map(Err),
            };
            match ev {
                Ev::Start(e) => stack.push(e),
                Ev::Empty(e) => {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(e);
                    }
                }
                Ev::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t);
                    }
                }
                Ev::End(name) => {
                    let at = self.last_open();
                    let Some(done) = stack.pop() else {
                        break;
                    };
                    if done.name != name {
                        return Ok(Err(Problem::malformed(
                            at,
                            name.clone(),
                            format!("</{name}> closes <{}> opened at {}", done.name, done.at),
                        )));
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(Ok(done)),
                    }
                }
                Ev::Eof => {
                    let at = self.here();
                    let open = stack.last().map(|e| e.name.clone()).unwrap_or_default();
                    return Ok(Err(Problem::malformed(
                        at,
                        open.clone(),
                        format!("the document ends inside <{open}>"),
                    )));
                }
                Ev::Other => {}
            }
        }
        Ok(Err(Problem::malformed(self.here(), "", "unbalanced tags")))
    }

    /// Skips the rest of an element whose start tag was just read.
    async fn skip(&mut self, start: Element) -> io::Result<()> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.event().await {
                Ok(Ev::Start(_)) => depth += 1,
                Ok(Ev::End(_)) => depth -= 1,
                Ok(Ev::Eof) => break,
                Ok(_) => {}
                Err(problem) => {
                    problem?;
                    break;
                }
            }
        }
        drop(start);
        Ok(())
    }

    /// The next event. The outer error of `Err` is a broken byte stream; the inner one a
    /// problem of the document.
    async fn event(&mut self) -> Result<Ev, io::Result<Problem>> {
        self.buf.clear();
        let event = match self.reader.read_event_into_async(&mut self.buf).await {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) => {
                // Keep a refusal of the transport (a gRPC status) as it was, so that the caller
                // hears why its stream was refused.
                let again = match e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<tonic::Status>())
                {
                    Some(status) => io::Error::other(status.clone()),
                    None => io::Error::new(e.kind(), e.to_string()),
                };
                return Err(Err(again));
            }
            Err(e) => {
                let at = self.reader.get_mut().last_open;
                return Err(Ok(Problem::malformed(at, "", e.to_string())));
            }
        };
        let at = self.reader.get_mut().last_open;
        Ok(match event {
            Event::Start(e) => Ev::Start(element(&self.reader, &e, at).map_err(Ok)?),
            Event::Empty(e) => Ev::Empty(element(&self.reader, &e, at).map_err(Ok)?),
            Event::End(e) => {
                let (ns, local) = self.reader.resolver().resolve_element(e.name());
                Ev::End(qualified(ns, local.as_ref(), e.name().as_ref()))
            }
            Event::Text(t) => Ev::Text(t.xml10_content().into_owned()),
            Event::CData(t) => Ev::Text(t.into_inner().into_owned()),
            Event::GeneralRef(r) => {
                let here = self.reader.get_mut().pos;
                let name = r.xml10_content().into_owned();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => {
                        quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                    }
                    Err(_) => None,
                };
                match resolved {
                    Some(text) => Ev::Text(text),
                    None => {
                        return Err(Ok(Problem::malformed(
                            here,
                            "",
                            format!("&{name}; is not a known entity or character reference"),
                        )));
                    }
                }
            }
            Event::Eof => Ev::Eof,
            _ => Ev::Other,
        })
    }
}

/// The name of an element or attribute as this module spells it (see [`Element::name`]).
fn qualified(ns: ResolveResult<'_>, local: &str, written: &str) -> String {
    match ns {
        ResolveResult::Bound(Namespace(uri)) if uri == EXTENSION_NS => format!("scpf:{local}"),
        ResolveResult::Bound(Namespace(uri)) if uri == XML_NS => format!("xml:{local}"),
        ResolveResult::Unbound => local.to_owned(),
        _ => written.to_owned(),
    }
}

/// An element from its start tag, with its attributes (namespace declarations left out).
fn element(reader: &NsReader<Counted>, e: &BytesStart<'_>, at: Pos) -> Result<Element, Problem> {
    let resolver = reader.resolver();
    let (ns, local) = resolver.resolve_element(e.name());
    let name = qualified(ns, local.as_ref(), e.name().as_ref());
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| {
            Problem::malformed(at, name.clone(), format!("a malformed attribute: {err}"))
        })?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (ns, local) = resolver.resolve_attribute(key);
        let attr_name = qualified(ns, local.as_ref(), key.as_ref());
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| {
                Problem::malformed(
                    at,
                    format!("{name}/@{attr_name}"),
                    format!("a malformed attribute value: {err}"),
                )
            })?;
        attrs.push(Attr {
            name: attr_name,
            value: value.into_owned(),
            used: Flag::default(),
        });
    }
    Ok(Element {
        name,
        at,
        attrs,
        text: String::new(),
        children: Vec::new(),
        used: Flag::default(),
    })
}

/// The pieces of an in-memory document, for tests and small callers.
pub fn pieces_of(bytes: impl Into<Bytes>) -> Pieces {
    let piece = Piece {
        bytes: bytes.into(),
        starts_at: None,
    };
    Box::pin(futures::stream::iter([Ok(piece)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(doc: &str) -> Vec<Item> {
        let mut reader = DocumentReader::new(pieces_of(doc.to_owned()));
        let mut items = Vec::new();
        while let Some(item) = reader.next().await.unwrap() {
            items.push(item);
        }
        items
    }

    #[tokio::test]
    async fn activities_come_one_at_a_time_with_their_positions() {
        let doc = "<?xml version=\"1.0\"?>\n<iati-activities version=\"2.03\" xmlns:scpf=\"urn:x-scpf-reports:iati\">\n  <iati-activity scpf:id=\"a\">\n    <title><narrative>A &amp; B</narrative></title>\n  </iati-activity>\n  <iati-activity><title/></iati-activity>\n</iati-activities>\n";
        let items = read_all(doc).await;
        assert_eq!(items.len(), 2);
        let Item::Activity {
            at,
            read: Ok(first),
        } = &items[0]
        else {
            panic!("{items:?}")
        };
        assert_eq!(*at, Pos { line: 3, column: 3 });
        assert_eq!(first.attr("scpf:id"), Some("a"));
        let title = first.child("title").unwrap();
        assert_eq!(title.at, Pos { line: 4, column: 5 });
        assert_eq!(title.child("narrative").unwrap().text(), "A & B");
        let Item::Activity { at, .. } = &items[1] else {
            panic!()
        };
        assert_eq!(*at, Pos { line: 6, column: 3 });
    }

    #[tokio::test]
    async fn a_broken_activity_is_reported_and_the_next_one_still_reads() {
        let doc = "<iati-activities version=\"2.03\">\n<iati-activity><title></titel></iati-activity>\n<iati-activity><iati-identifier>X</iati-identifier></iati-activity>\n</iati-activities>";
        let items = read_all(doc).await;
        let Item::Activity { read: Err(p), .. } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(
            (p.at, p.reason, p.element.as_str()),
            (
                Pos {
                    line: 2,
                    column: 23
                },
                "MALFORMED_XML",
                "titel"
            )
        );
        let ok = items.iter().any(|i| {
            matches!(i, Item::Activity { read: Ok(e), .. }
                if e.child("iati-identifier").map(|x| x.text()) == Some("X"))
        });
        assert!(ok, "{items:?}");
    }

    #[tokio::test]
    async fn unused_elements_and_attributes_are_counted_by_name() {
        let doc = "<iati-activity a=\"1\" b=\"2\"><title><narrative xml:lang=\"en\">T</narrative></title><contact-info/><contact-info/></iati-activity>";
        let items = read_all(doc).await;
        let Item::Activity { read: Ok(e), .. } = &items[0] else {
            panic!()
        };
        e.attr("a");
        e.child("title").unwrap().child("narrative").unwrap().text();
        let mut unused = BTreeMap::new();
        e.unused("", &mut unused);
        let unused: Vec<(&str, i64)> = unused.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            unused,
            [
                ("@b", 1),
                ("contact-info", 2),
                ("title/narrative/@xml:lang", 1)
            ]
        );
    }

    #[tokio::test]
    async fn malformed_documents_end_with_problems_never_loop() {
        for doc in [
            "<iati-activities><<<<",
            "<iati-activities><iati-activity><a b=></iati-activity><iati-activity>",
            "<iati-activities><iati-activity>&nope;</iati-activity></iati-activities>",
            "<iati-activities><!-- unclosed",
            "not xml at all",
            "<iati-activities></iati-activities><extra/>",
            "<iati-activities version=\"2.03\"><iati-activity></iati-activities>",
        ] {
            let mut reader = DocumentReader::new(pieces_of(doc.to_owned()));
            let mut items = 0;
            while reader.next().await.unwrap().is_some() {
                items += 1;
                assert!(items < 20, "{doc:?} keeps giving items");
            }
        }
    }

    #[tokio::test]
    async fn positions_follow_the_pieces_sent() {
        let pieces: Pieces = Box::pin(futures::stream::iter([
            Ok(Piece {
                bytes: Bytes::from_static(b"<iati-activities version=\"2.03\">"),
                starts_at: Some(Pos::START),
            }),
            Ok(Piece {
                bytes: Bytes::from_static(b"<iati-activity/>"),
                starts_at: Some(Pos {
                    line: 40,
                    column: 5,
                }),
            }),
            Ok(Piece {
                bytes: Bytes::from_static(b"</iati-activities>"),
                starts_at: None,
            }),
        ]));
        let mut reader = DocumentReader::new(pieces);
        let Some(Item::Activity { at, .. }) = reader.next().await.unwrap() else {
            panic!()
        };
        assert_eq!(
            at,
            Pos {
                line: 40,
                column: 5
            }
        );
        assert!(reader.next().await.unwrap().is_none());
    }
}
