//! Rows streamed to PostgreSQL with `COPY ... FROM STDIN`, in its text format: the fastest way
//! to hand the database many rows, one message whatever their number.

use std::fmt::{Display, Write as _};

use sqlx::PgConnection;

/// Rows in COPY's text format: columns separated by tabs, rows ended by a newline, `\N` for
/// NULL, and backslash escapes for the characters that would otherwise end a column or a row.
#[derive(Debug, Default)]
pub struct CopyRows {
    data: String,
    /// Whether the next column is the first of its row.
    row_start: bool,
    rows: usize,
}

impl CopyRows {
    pub fn new() -> CopyRows {
        CopyRows {
            data: String::new(),
            row_start: true,
            rows: 0,
        }
    }

    fn separate(&mut self) {
        if !std::mem::replace(&mut self.row_start, false) {
            self.data.push('\t');
        }
    }

    /// A text column, escaped.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        for c in value.chars() {
            match c {
                '\\' => self.data.push_str("\\\\"),
                '\t' => self.data.push_str("\\t"),
                '\n' => self.data.push_str("\\n"),
                '\r' => self.data.push_str("\\r"),
                c => self.data.push(c),
            }
        }
        self
    }

    /// A column that may be NULL.
    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A value whose text form holds no character that needs escaping (numbers, dates,
    /// booleans), written as it displays.
    pub fn plain(&mut self, value: impl Display) -> &mut Self {
        self.separate();
        let _ = write!(self.data, "{value}");
        self
    }

    /// A value that may be NULL, written as it displays.
    pub fn opt_plain(&mut self, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(v) => self.plain(v),
            None => self.null(),
        }
    }

    /// A `bytea` column, in hex (its backslash escaped for the text format).
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.separate();
        self.data.push_str("\\\\x");
        self.data.push_str(&hex::encode(value));
        self
    }

    /// An array of values whose text form needs no quoting inside an array literal (numbers,
    /// dates): `{a,b,c}`.
    pub fn plain_array<T: Display>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        self.separate();
        self.data.push('{');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.data.push(',');
            }
            let _ = write!(self.data, "{v}");
        }
        self.data.push('}');
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.separate();
        self.data.push_str("\\N");
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.data.push('\n');
        self.row_start = true;
        self.rows += 1;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Streams the rows with `statement` (`COPY table (columns) FROM STDIN`); returns the
    /// number of rows the database took. The database's own error is returned, so that a
    /// caller can map a refused constraint to the client's error (`store::map_db_error`).
    pub async fn send(self, conn: &mut PgConnection, statement: &'static str) -> sqlx::Result<u64> {
        if self.rows == 0 {
            return Ok(0);
        }
        let mut copy = conn.copy_in_raw(statement).await?;
        if let Err(err) = copy.send(self.data.into_bytes()).await {
            // Leaves the connection usable: the server is told the COPY failed.
            let _ = copy.abort(err.to_string()).await;
            return Err(err);
        }
        copy.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_escape_what_would_end_a_column_or_a_row() {
        let mut rows = CopyRows::new();
        rows.text("a\tb\nc\\d\re").null().plain(12.5).end_row();
        rows.opt_text(None)
            .opt_plain(Some(3))
            .plain_array([1, 2])
            .end_row();
        assert_eq!(rows.data, "a\\tb\\nc\\\\d\\re\t\\N\t12.5\n\\N\t3\t{1,2}\n");
        assert_eq!(rows.rows(), 2);
    }

    #[test]
    fn bytes_are_hex_with_an_escaped_backslash() {
        let mut rows = CopyRows::new();
        rows.bytes(&[0x00, 0xab]).end_row();
        assert_eq!(rows.data, "\\\\x00ab\n");
    }
}
