"""The statements of src/store/report_data.rs as the server issues them, for the explain scripts.

`load(path)` reads the Rust source and answers each statement with its name, its SQL text (macros
and string constants expanded), the parameters it binds in order, and how the server runs it:
`planned` (nested loops off: `fetch_planned`, or the transaction of `schedules`, which reads
report_installments) or `by_key` (an annex page: `fetch_by_key`, nested loops and just-in-time
compilation off). `TYPES` and `VALUES` give each parameter's type and the value the scripts bind
(those of the 37th session: as-of now, status date 2025-12-31, period July to December 2025).
"""
import re

TYPES = {'w.as_of': 'timestamptz', 'as_of': 'timestamptz', 'w.status_date': 'date',
         'status_date': 'date', 'w.period_start': 'date', 'w.period_end': 'date',
         'year_start': 'date', 'two_years_before': 'date', 'target': 'text',
         'minor_units': 'int4', 'session_id': 'text', 'ids': 'text[]', 'subjects': 'int8',
         'after': 'text', 'limit': 'int8'}
VALUES = {'w.as_of': ":'as_of'", 'as_of': ":'as_of'", 'w.status_date': "'2025-12-31'",
          'status_date': "'2025-12-31'", 'w.period_start': "'2025-07-01'",
          'w.period_end': "'2025-12-31'", 'year_start': "'2025-01-01'",
          'two_years_before': "'2023-01-01'", 'target': "'USD'", 'minor_units': '2',
          'session_id': "'37'", 'ids': ":'ids'", 'subjects': '20', 'after': 'NULL',
          'limit': '500'}


class Source:
    def __init__(self, path):
        s = open(path).read()
        # The binds the statements share (`trait Bind`), spelled out as the `.bind` calls they make.
        self.text = (s.replace('.bind_window(w)', '.bind_at(w).bind(w.period_start).bind(w.period_end)')
                      .replace('.bind_at(w)', '.bind(w.as_of).bind(w.status_date)')
                      .replace('.bind_money(target, minor_units)', '.bind(target).bind(minor_units)'))
        # Macros (`macro_rules! name { () => { BODY }; }` or `($ids:literal) => { BODY }`) and
        # string constants (`const NAME: &str = BODY;`).
        self.macros = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
            r'macro_rules! (\w+) \{\s*\((?:\$(\w+):literal)?\) => \{\s*(.*?)\s*\};\s*\}',
            self.text, re.S)}
        self.consts = dict(re.findall(r'\nconst (\w+): &str = (.*?);\n', self.text, re.S))

    def expand(self, text):
        while True:
            m = re.search(r'(\w+)!\(\s*("[^"]*")?\s*\)', text)
            if not m or m.group(1) not in self.macros:
                return text
            arg, body = self.macros[m.group(1)]
            if arg:
                body = body.replace('$' + arg, m.group(2))
            text = text[:m.start()] + body + text[m.end():]

    def strings(self, text):
        """The SQL of a Rust expression made of string literals, `concat!` and macros."""
        text = self.expand(text)
        return "".join(x[1:-1].replace('\\"', '"')
                       for x in re.findall(r'"(?:[^"\\]|\\.)*"', text, re.S))

    def statements(self):
        """(name, sql, binds, planned, by_key) of every statement that binds parameters."""
        for f in re.split(r'\n(?:pub )?async fn ', self.text)[1:]:
            name = f.split('(')[0]
            for n, call in enumerate(re.finditer(r'(?:query_as|query_scalar)\(', f)):
                body = f[call.end():]
                if '.bind(' not in body:
                    continue
                binds = re.findall(r'\.bind\(([^)]*)\)', body.split('.fetch_')[0])
                sql = self.strings(body[:body.index('.bind(')])
                run = body[body.index('.bind('):].split(';')[0]
                planned = ('.fetch_planned(' in run or 'enable_nestloop = off' in f
                           or 'report_installments' in sql)
                yield (name + (f'_{n + 1}' if n else ''), sql, binds, planned,
                       '.fetch_by_key(' in run)


def settings(planned, by_key):
    """The `SET` lines that put a session where the server runs such a statement."""
    return (f"SET enable_nestloop = {'off' if planned or by_key else 'on'};\n"
            f"SET jit = {'off' if by_key else 'on'};\n")


def prepare(sql, binds):
    """`PREPARE s` of a statement and `EXPLAIN (ANALYZE, BUFFERS)` of its execution."""
    return (f"PREPARE s ({', '.join(TYPES[b] for b in binds)}) AS {sql};\n"
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE s ({', '.join(VALUES[b] for b in binds)});\n")
