//! Page checksums for Parquet column chunks.
//!
//! parquet-rs 60 never writes the optional `crc` field (PageHeader field 4) of a page
//! header. This module rewrites an encoded column chunk so that every page header carries
//! the CRC32 of the page's (compressed) bytes, as the Parquet format specifies and as
//! pyarrow's `page_checksum_verification=True` checks.
//!
//! Page headers are Thrift compact-protocol structs. The chunk is walked page by page: the
//! header is parsed just enough to skip it (a generic compact-protocol skipper), its first
//! three fields give the page type and sizes, and the `crc` field is inserted right after
//! field 3, adjusting the delta of the following field header. The page bytes themselves
//! are copied unchanged. Offsets of the rewritten pages are returned so the caller can fix
//! the column chunk metadata and the offset index.

/// One page of a rewritten chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSpan {
    /// Offset of the page header in the new chunk buffer.
    pub offset: usize,
    /// Header + data length in the new chunk buffer.
    pub len: usize,
    /// Thrift `PageType`: 0 data page, 1 index page, 2 dictionary page, 3 data page v2.
    pub page_type: i32,
}

/// Thrift `PageType` value of a dictionary page.
pub const DICTIONARY_PAGE: i32 = 2;
/// Thrift `PageType` values of data pages.
pub const DATA_PAGES: [i32; 2] = [0, 3];

/// Rewrites `chunk` (the bytes of one column chunk, dictionary page first) with a CRC in
/// every page header. Returns the new bytes and the page spans in the new buffer.
/// A page that already has a CRC keeps it.
pub fn add_page_crcs(chunk: &[u8]) -> Result<(Vec<u8>, Vec<PageSpan>), String> {
    let mut out = Vec::with_capacity(chunk.len() + 64);
    let mut spans = Vec::new();
    let mut pos = 0usize;
    while pos < chunk.len() {
        let start = pos;
        let header = parse_header(chunk, pos)?;
        let data_end = header
            .end
            .checked_add(header.compressed_size)
            .filter(|e| *e <= chunk.len())
            .ok_or_else(|| format!("page at {start} overruns the chunk"))?;
        let data = &chunk[header.end..data_end];
        let new_start = out.len();
        match header.crc_insert_at {
            Some(at) => {
                out.extend_from_slice(&chunk[start..at]);
                out.push(0x15); // field delta 1 (id 4), type i32
                let crc = crc32fast::hash(data) as i32;
                write_varint(&mut out, zigzag32(crc));
                // The next field header's delta was relative to field 3; now it is to 4.
                let next = chunk[at];
                let delta = next >> 4;
                if delta >= 2 {
                    out.push(((delta - 1) << 4) | (next & 0x0f));
                } else if delta == 0 {
                    out.push(next); // STOP or long-form header: absolute id, unchanged
                } else {
                    return Err(format!("page at {start}: field 4 expected to be absent"));
                }
                out.extend_from_slice(&chunk[at + 1..header.end]);
            }
            None => out.extend_from_slice(&chunk[start..header.end]),
        }
        out.extend_from_slice(data);
        spans.push(PageSpan {
            offset: new_start,
            len: out.len() - new_start,
            page_type: header.page_type,
        });
        pos = data_end;
    }
    Ok((out, spans))
}

struct Header {
    page_type: i32,
    compressed_size: usize,
    /// End of the header (start of the page data).
    end: usize,
    /// Position of the field header that follows field 3, if no CRC is present yet.
    crc_insert_at: Option<usize>,
}

/// Parses a PageHeader at `pos`. Requires fields 1, 2, 3 first (as every writer emits
/// them); fails on anything malformed instead of guessing.
fn parse_header(buf: &[u8], mut pos: usize) -> Result<Header, String> {
    let start = pos;
    let mut values = [0i32; 3];
    for (i, v) in values.iter_mut().enumerate() {
        let b = byte(buf, &mut pos)?;
        // short form: delta 1, type i32 (5)
        if b != 0x15 {
            return Err(format!(
                "page header at {start}: field {} is not the expected i32 (byte {b:#04x})",
                i + 1
            ));
        }
        *v = unzigzag32(read_varint(buf, &mut pos)?);
    }
    let after3 = pos;
    let next = *buf
        .get(pos)
        .ok_or_else(|| format!("page header at {start} is truncated"))?;
    let has_crc = next >> 4 == 1 && next & 0x0f == 5;
    // Skip the rest of the struct generically.
    skip_fields(buf, &mut pos, 0)?;
    let compressed_size = usize::try_from(values[2])
        .map_err(|_| format!("page header at {start}: negative compressed size"))?;
    Ok(Header {
        page_type: values[0],
        compressed_size,
        end: pos,
        crc_insert_at: if has_crc { None } else { Some(after3) },
    })
}

fn skip_value(buf: &[u8], pos: &mut usize, ty: u8, depth: u32) -> Result<(), String> {
    if depth > 32 {
        return Err("thrift nesting too deep".into());
    }
    match ty {
        1 | 2 => Ok(()), // bool true/false inside a field header
        3 => byte(buf, pos).map(|_| ()),
        4..=6 => read_varint(buf, pos).map(|_| ()),
        7 => advance(buf, pos, 8),
        8 => {
            let len = read_varint(buf, pos)?;
            advance(
                buf,
                pos,
                usize::try_from(len).map_err(|_| "binary too long")?,
            )
        }
        9 | 10 => {
            let h = byte(buf, pos)?;
            let mut n = u64::from(h >> 4);
            if n == 15 {
                n = read_varint(buf, pos)?;
            }
            let elem = h & 0x0f;
            for _ in 0..n {
                skip_elem(buf, pos, elem, depth + 1)?;
            }
            Ok(())
        }
        11 => {
            let n = read_varint(buf, pos)?;
            if n > 0 {
                let kv = byte(buf, pos)?;
                for _ in 0..n {
                    skip_elem(buf, pos, kv >> 4, depth + 1)?;
                    skip_elem(buf, pos, kv & 0x0f, depth + 1)?;
                }
            }
            Ok(())
        }
        12 => skip_fields(buf, pos, depth + 1),
        other => Err(format!("unknown thrift type {other}")),
    }
}

/// Skips struct fields up to and including the STOP byte.
fn skip_fields(buf: &[u8], pos: &mut usize, depth: u32) -> Result<(), String> {
    loop {
        let b = byte(buf, pos)?;
        if b == 0 {
            return Ok(());
        }
        if b >> 4 == 0 {
            read_varint(buf, pos)?; // long form: explicit field id
        }
        skip_value(buf, pos, b & 0x0f, depth)?;
    }
}

/// Collection elements encode booleans as a full byte.
fn skip_elem(buf: &[u8], pos: &mut usize, ty: u8, depth: u32) -> Result<(), String> {
    match ty {
        1 | 2 => byte(buf, pos).map(|_| ()),
        _ => skip_value(buf, pos, ty, depth),
    }
}

fn byte(buf: &[u8], pos: &mut usize) -> Result<u8, String> {
    let b = *buf.get(*pos).ok_or("page header truncated")?;
    *pos += 1;
    Ok(b)
}

fn advance(buf: &[u8], pos: &mut usize, n: usize) -> Result<(), String> {
    let end = pos
        .checked_add(n)
        .filter(|e| *e <= buf.len())
        .ok_or("page header truncated")?;
    *pos = end;
    Ok(())
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = byte(buf, pos)?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint too long".into())
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag32(n: i32) -> u64 {
    u64::from(((n << 1) ^ (n >> 31)) as u32)
}

fn unzigzag32(z: u64) -> i32 {
    let z = z as u32;
    ((z >> 1) as i32) ^ -((z & 1) as i32)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A V1 data page header (fields 1, 2, 3, then struct 5 with i32 num_values, encodings)
    /// followed by `data`.
    fn page(data: &[u8], with_crc: Option<i32>) -> Vec<u8> {
        let mut h = vec![0x15];
        write_varint(&mut h, zigzag32(0)); // type DATA_PAGE
        h.push(0x15);
        write_varint(&mut h, zigzag32(data.len() as i32));
        h.push(0x15);
        write_varint(&mut h, zigzag32(data.len() as i32));
        let delta = if let Some(c) = with_crc {
            h.push(0x15);
            write_varint(&mut h, zigzag32(c));
            1
        } else {
            2
        };
        h.push((delta << 4) | 0x0c); // field 5, struct
        h.push(0x15);
        write_varint(&mut h, zigzag32(3)); // num_values
        h.push(0x15);
        write_varint(&mut h, zigzag32(0)); // encoding
        h.push(0x00); // end of data_page_header
        h.push(0x00); // end of PageHeader
        h.extend_from_slice(data);
        h
    }

    #[test]
    fn inserts_crc() {
        let data = b"hello page";
        let mut chunk = page(data, None);
        chunk.extend(page(b"second", None));
        let (out, spans) = add_page_crcs(&chunk).unwrap();
        assert_eq!(spans.len(), 2);
        let want_first = page(data, Some(crc32fast::hash(data) as i32));
        assert_eq!(&out[..spans[0].len], &want_first[..]);
        assert_eq!(spans[1].offset, want_first.len());
        assert_eq!(
            out.len(),
            chunk.len() + 2 * (want_first.len() - page(data, None).len())
        );
        // idempotent: a second pass keeps the existing CRCs
        let (again, _) = add_page_crcs(&out).unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn rejects_garbage() {
        assert!(add_page_crcs(&[0x15, 0x00]).is_err());
        assert!(add_page_crcs(&[0x99, 0x01, 0x02]).is_err());
        let mut p = page(b"abc", None);
        p.truncate(p.len() - 1);
        assert!(add_page_crcs(&p).is_err());
    }

    #[test]
    fn zigzag_roundtrip() {
        for v in [0, 1, -1, i32::MAX, i32::MIN, 123456] {
            assert_eq!(unzigzag32(zigzag32(v)), v);
        }
    }
}
