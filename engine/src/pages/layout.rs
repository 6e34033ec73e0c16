//! The layout of `pages.arrow` in each format version: its columns ([`schema_of`]) and where
//! one record batch's buffers lie in the file ([`read_batch`]).

use std::collections::HashMap;
use std::ops::Range;

use arrow_schema::{DataType, Field, Schema};

use super::VERSION_KEY;

/// The schema of a plain dump's `pages.arrow` in layout `version`: version 1 has the first six
/// columns, version 2 adds the rank signals and the rank; versions 3 to 5 change nothing here
/// (version 4 adds the location fields for compressed datasets); version 6 narrows `page_id`
/// and `text_bytes` to `UInt32` (MediaWiki's own `page_id` and `page_len` are `int unsigned`)
/// and `headings` to `UInt16` (saturating); versions 7 and 8 change nothing here.
pub fn schema_of(version: u32) -> Option<Schema> {
    let narrow = version >= 6;
    let id = if narrow { DataType::UInt32 } else { DataType::UInt64 };
    let mut fields = vec![
        Field::new("page_id", id.clone(), false),
        Field::new("ns", DataType::Int32, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("redirect", DataType::Utf8, true),
        Field::new("start", DataType::UInt64, false),
        Field::new("end", DataType::UInt64, false),
    ];
    match version {
        1 => {}
        2..=crate::format::FORMAT_VERSION => fields.extend([
            Field::new("incoming_links", DataType::UInt32, false),
            Field::new("redirects_in", DataType::UInt32, false),
            Field::new("text_bytes", id, false),
            Field::new("headings", if narrow { DataType::UInt16 } else { DataType::UInt32 }, false),
            Field::new("rank", DataType::Float32, false),
        ]),
        _ => return None,
    }
    let meta = HashMap::from([(VERSION_KEY.to_string(), version.to_string())]);
    Some(Schema::new_with_metadata(fields, meta))
}

/// Byte ranges of one record batch's buffers inside the mapped file.
#[derive(Debug, Clone)]
pub(super) struct Batch {
    pub rows: usize,
    pub page_id: UintCol,
    pub ns: Range<usize>,
    pub title: StrCol,
    pub redirect: StrCol,
    pub start: Range<usize>,
    pub end: Range<usize>,
    /// The signal columns (format 2 on).
    pub signals: Option<SignalCols>,
    /// `bz2_start` and `stream_offset` (a compressed dataset, format 4 on).
    pub location: Option<(Range<usize>, Range<usize>)>,
}

/// Byte ranges of the rank signal columns of one batch.
#[derive(Debug, Clone)]
pub(super) struct SignalCols {
    pub incoming_links: Range<usize>,
    pub redirects_in: Range<usize>,
    pub text_bytes: UintCol,
    pub headings: UintCol,
    pub rank: Range<usize>,
}

/// An unsigned column whose width depends on the format version.
#[derive(Debug, Clone)]
pub(super) struct UintCol {
    pub values: Range<usize>,
    pub width: Width,
}

/// The width of a [`UintCol`]'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Width {
    U16,
    U32,
    U64,
}

/// Byte ranges of one string column of one batch.
#[derive(Debug, Clone)]
pub(super) struct StrCol {
    pub validity: Option<Range<usize>>,
    pub all_null: bool,
    pub offsets: Range<usize>,
    pub data: Range<usize>,
}

/// Which optional columns a page table has, and whether its numbers are narrowed (format 6).
#[derive(Clone, Copy)]
pub(super) struct Shape {
    pub signals: bool,
    pub location: bool,
    pub narrow: bool,
}

/// Locates one record batch's buffers; errors are plain descriptions.
pub(super) fn read_batch(map: &[u8], offset: i64, meta_len: i32, body_len: i64, shape: Shape) -> Result<Batch, String> {
    let offset = usize::try_from(offset).map_err(|_| "negative offset")?;
    let meta_len = usize::try_from(meta_len).map_err(|_| "negative metadata length")?;
    let body_len = usize::try_from(body_len).map_err(|_| "negative body length")?;
    let meta = map.get(offset..offset + meta_len).ok_or("metadata past the end of the file")?;
    // Encapsulated message: 0xFFFFFFFF continuation, i32 length, flatbuffer, padding.
    let fb = match meta {
        [0xff, 0xff, 0xff, 0xff, a, b, c, d, rest @ ..] => {
            let len = i32::from_le_bytes([*a, *b, *c, *d]) as usize;
            rest.get(..len).ok_or("message length past the metadata")?
        }
        _ => return Err("no continuation marker".into()),
    };
    let message = arrow_ipc::root_as_message(fb).map_err(|e| e.to_string())?;
    let rb = message.header_as_record_batch().ok_or("message is not a record batch")?;
    if rb.compression().is_some() {
        return Err("compressed record batches are not supported".into());
    }
    let body = offset + meta_len;
    if body + body_len > map.len() {
        return Err("body past the end of the file".into());
    }
    let rows = usize::try_from(rb.length()).map_err(|_| "negative row count")?;
    let nodes: Vec<(i64, i64)> =
        rb.nodes().ok_or("no field nodes")?.iter().map(|n| (n.length(), n.null_count())).collect();
    let bufs: Vec<Range<usize>> = rb
        .buffers()
        .ok_or("no buffers")?
        .iter()
        .map(|b| {
            let (o, l) = (usize::try_from(b.offset()).ok()?, usize::try_from(b.length()).ok()?);
            (o + l <= body_len).then(|| body + o..body + o + l)
        })
        .collect::<Option<_>>()
        .ok_or("buffer outside the body")?;
    // Each fixed-width column has two buffers (validity, values), each string column three.
    let (want_nodes, want_bufs) = match (shape.signals, shape.location) {
        (false, _) => (6, 14),
        (true, false) => (11, 24),
        (true, true) => (13, 28),
    };
    if nodes.len() != want_nodes || bufs.len() != want_bufs || nodes.iter().any(|&(len, _)| len as usize != rows) {
        return Err(format!(
            "{} nodes and {} buffers for {rows} rows, expected {want_nodes} and {want_bufs}",
            nodes.len(),
            bufs.len()
        ));
    }
    let strings = |node: (i64, i64), b: &[Range<usize>]| StrCol {
        validity: (!b[0].is_empty()).then(|| b[0].clone()),
        all_null: node.1 as usize == rows && rows > 0,
        offsets: b[1].clone(),
        data: b[2].clone(),
    };
    let (id, small) = if shape.narrow { (Width::U32, Width::U16) } else { (Width::U64, Width::U32) };
    let uint = |values: &Range<usize>, width| UintCol { values: values.clone(), width };
    Ok(Batch {
        rows,
        page_id: uint(&bufs[1], id),
        ns: bufs[3].clone(),
        title: strings(nodes[2], &bufs[4..7]),
        redirect: strings(nodes[3], &bufs[7..10]),
        start: bufs[11].clone(),
        end: bufs[13].clone(),
        location: (shape.signals && shape.location).then(|| (bufs[25].clone(), bufs[27].clone())),
        signals: shape.signals.then(|| SignalCols {
            incoming_links: bufs[15].clone(),
            redirects_in: bufs[17].clone(),
            text_bytes: uint(&bufs[19], id),
            headings: uint(&bufs[21], small),
            rank: bufs[23].clone(),
        }),
    })
}
