//! Kafka record batches, format v2 (magic 2), the only format a KRaft metadata log uses.
//!
//! Layout (DefaultRecordBatch): baseOffset i64, batchLength i32 (bytes after this field),
//! partitionLeaderEpoch i32, magic i8, crc u32 (CRC-32C of attributes..end), attributes i16,
//! lastOffsetDelta i32, baseTimestamp i64, maxTimestamp i64, producerId i64, producerEpoch i16,
//! baseSequence i32, recordsCount i32, then the records (compressed as a whole when
//! attributes & 7 != 0).

use std::io::Read;

use super::wire::{Reader, WireError};

/// Bytes before the records.
pub const HEADER_LEN: usize = 61;
/// baseOffset + batchLength: what must be read to know a batch's size.
pub const LOG_OVERHEAD: usize = 12;
const CRC_START: usize = 21;
/// Kafka's KRaft client caps a metadata batch at 8 MiB; anything past this cap is garbage, and
/// refusing it keeps a corrupt length from turning into a huge allocation.
pub const MAX_BATCH_LEN: usize = 64 * 1024 * 1024;
/// Cap on the decompressed records of one batch, so a corrupt or hostile compressed stream
/// cannot exhaust memory.
pub const MAX_DECOMPRESSED_LEN: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn from_attributes(attributes: i16) -> Result<Self, String> {
        match attributes & 0x07 {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            n => Err(format!("unknown compression codec {n} in batch attributes")),
        }
    }
    pub fn id(self) -> i16 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

impl BatchHeader {
    /// Parses the 61-byte header; does not check the CRC (see [`Batch::parse`]).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(buf);
        Ok(BatchHeader {
            base_offset: r.i64()?,
            batch_length: r.i32()?,
            partition_leader_epoch: r.i32()?,
            magic: r.i8()?,
            crc: r.u32()?,
            attributes: r.i16()?,
            last_offset_delta: r.i32()?,
            base_timestamp: r.i64()?,
            max_timestamp: r.i64()?,
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            base_sequence: r.i32()?,
            records_count: r.i32()?,
        })
    }

    pub fn is_control(&self) -> bool {
        self.attributes & 0x20 != 0
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & 0x10 != 0
    }

    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .saturating_add(i64::from(self.last_offset_delta))
    }

    /// Whole size on disk, including baseOffset and batchLength.
    pub fn size(&self) -> usize {
        LOG_OVERHEAD + self.batch_length.max(0) as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub header: BatchHeader,
    pub compression: Compression,
    pub records: Vec<Record>,
}

/// Why a batch could not be used. `Truncated` = the bytes end before the batch does (what a
/// crash mid-write leaves); `Corrupt` = the bytes are there but wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    Truncated(String),
    Corrupt(String),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Truncated(m) => write!(f, "batch cut short: {m}"),
            BatchError::Corrupt(m) => write!(f, "corrupt batch: {m}"),
        }
    }
}

fn corrupt(m: impl Into<String>) -> BatchError {
    BatchError::Corrupt(m.into())
}

/// Checks the size declared by the first 12 bytes of a batch; returns the whole batch size.
pub fn declared_size(batch_length: i32) -> Result<usize, BatchError> {
    let min = (HEADER_LEN - LOG_OVERHEAD) as i32;
    if batch_length < min {
        return Err(corrupt(format!(
            "batchLength {batch_length} is below the minimum {min} of a v2 batch"
        )));
    }
    let size = LOG_OVERHEAD + batch_length as usize;
    if size > MAX_BATCH_LEN {
        return Err(corrupt(format!(
            "batchLength {batch_length} exceeds the {MAX_BATCH_LEN}-byte sanity limit"
        )));
    }
    Ok(size)
}

impl Batch {
    /// Parses one whole batch (`buf` may extend past it; the rest is ignored), verifying magic,
    /// CRC and every length, and decompressing the records.
    pub fn parse(buf: &[u8]) -> Result<Batch, BatchError> {
        if buf.len() < HEADER_LEN {
            return Err(BatchError::Truncated(format!(
                "{} bytes left, a batch header needs {HEADER_LEN}",
                buf.len()
            )));
        }
        let header = BatchHeader::parse(buf).map_err(|e| corrupt(e.to_string()))?;
        if header.magic != 2 {
            return Err(corrupt(format!(
                "magic {} (only v2 batches, magic 2, are expected in a KRaft log)",
                header.magic
            )));
        }
        let size = declared_size(header.batch_length)?;
        if buf.len() < size {
            return Err(BatchError::Truncated(format!(
                "batch declares {size} bytes but only {} are left",
                buf.len()
            )));
        }
        let batch = &buf[..size];
        let crc = crc32c::crc32c(&batch[CRC_START..]);
        if crc != header.crc {
            return Err(corrupt(format!(
                "CRC32C mismatch: stored {:#010x}, computed {crc:#010x}",
                header.crc
            )));
        }
        let compression = Compression::from_attributes(header.attributes).map_err(corrupt)?;
        if header.records_count < 0 {
            return Err(corrupt(format!(
                "negative record count {}",
                header.records_count
            )));
        }
        let body = &batch[HEADER_LEN..];
        let decompressed;
        let records_bytes = match compression {
            Compression::None => body,
            c => {
                decompressed = decompress(c, body).map_err(|m| corrupt(format!("{c:?}: {m}")))?;
                &decompressed[..]
            }
        };
        let records =
            parse_records(&header, records_bytes).map_err(|e| corrupt(format!("record: {e}")))?;
        Ok(Batch {
            header,
            compression,
            records,
        })
    }
}

fn parse_records(header: &BatchHeader, bytes: &[u8]) -> Result<Vec<Record>, WireError> {
    let mut r = Reader::new(bytes);
    let count = header.records_count as usize;
    // A record is at least 7 bytes, so the count cannot honestly exceed this; capping the
    // pre-allocation keeps a garbage count harmless.
    let mut out = Vec::with_capacity(count.min(bytes.len() / 7 + 1));
    for _ in 0..count {
        let len = r.varint()?;
        if len < 0 {
            return r.err(format!("negative record length {len}"));
        }
        let body = r.bytes(len as usize)?;
        let mut rr = Reader::new(body);
        let attributes = rr.i8()?;
        let timestamp_delta = rr.varlong()?;
        let offset_delta = rr.varint()?;
        let key = nullable_bytes(&mut rr)?;
        let value = nullable_bytes(&mut rr)?;
        let headers = rr.varint()?;
        if headers < 0 {
            return rr.err(format!("negative header count {headers}"));
        }
        for _ in 0..headers {
            let klen = rr.varint()?;
            if klen < 0 {
                return rr.err("null header key");
            }
            rr.bytes(klen as usize)?;
            nullable_bytes(&mut rr)?;
        }
        if !rr.is_empty() {
            return rr.err(format!("{} stray bytes after a record", rr.remaining()));
        }
        out.push(Record {
            offset: header.base_offset.saturating_add(i64::from(offset_delta)),
            attributes,
            timestamp_delta,
            key,
            value,
        });
    }
    if !r.is_empty() {
        return r.err(format!(
            "{} bytes left after the {count} records the header announces",
            r.remaining()
        ));
    }
    Ok(out)
}

fn nullable_bytes(r: &mut Reader<'_>) -> Result<Option<Vec<u8>>, WireError> {
    let n = r.varint()?;
    if n < 0 {
        return Ok(None);
    }
    Ok(Some(r.bytes(n as usize)?.to_vec()))
}

/// Reads at most MAX_DECOMPRESSED_LEN bytes; more is treated as corruption.
fn read_capped(mut rd: impl Read) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    (&mut rd)
        .take(MAX_DECOMPRESSED_LEN as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() > MAX_DECOMPRESSED_LEN {
        return Err(format!(
            "decompresses to more than {MAX_DECOMPRESSED_LEN} bytes"
        ));
    }
    Ok(out)
}

/// xerial snappy-java's stream header: Kafka's SnappyOutputStream writes it for every batch
/// format, v2 included, followed by blocks of [u32 big-endian length][raw snappy block].
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;

pub fn decompress(c: Compression, data: &[u8]) -> Result<Vec<u8>, String> {
    match c {
        Compression::None => Ok(data.to_vec()),
        Compression::Gzip => read_capped(flate2::read::GzDecoder::new(data)),
        Compression::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(data)),
        Compression::Zstd => {
            let mut src = data;
            let dec = ruzstd::decoding::StreamingDecoder::new(&mut src)
                .map_err(|e| format!("zstd frame header: {e}"))?;
            read_capped(dec)
        }
        Compression::Snappy => snappy_xerial(data),
    }
}

fn snappy_block(block: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let n = snap::raw::decompress_len(block).map_err(|e| e.to_string())?;
    if out.len() + n > MAX_DECOMPRESSED_LEN {
        return Err(format!(
            "decompresses to more than {MAX_DECOMPRESSED_LEN} bytes"
        ));
    }
    let start = out.len();
    out.resize(start + n, 0);
    snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn snappy_xerial(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if !data.starts_with(&XERIAL_MAGIC) {
        // snappy-java's reader falls back to a single raw block when the header is absent.
        snappy_block(data, &mut out)?;
        return Ok(out);
    }
    if data.len() < XERIAL_HEADER_LEN {
        return Err("xerial snappy header cut short".into());
    }
    let mut r = Reader::new(&data[XERIAL_HEADER_LEN..]);
    while !r.is_empty() {
        let n = r.u32().map_err(|e| format!("xerial block length: {e}"))?;
        let block = r
            .bytes(n as usize)
            .map_err(|e| format!("xerial block: {e}"))?;
        snappy_block(block, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod build {
    //! Builds valid v2 batches for tests, the way Kafka's MemoryRecordsBuilder lays them out.
    use super::*;
    use crate::topics::kraft::wire::enc;
    use std::io::Write;

    pub fn record(offset_delta: i32, key: Option<&[u8]>, value: Option<&[u8]>) -> Vec<u8> {
        let mut body = Vec::new();
        body.push(0); // attributes
        enc::varlong(&mut body, 0); // timestampDelta
        enc::varint(&mut body, offset_delta);
        for b in [key, value] {
            match b {
                None => enc::varint(&mut body, -1),
                Some(b) => {
                    enc::varint(&mut body, b.len() as i32);
                    body.extend_from_slice(b);
                }
            }
        }
        enc::varint(&mut body, 0); // headers
        let mut out = Vec::new();
        enc::varint(&mut out, body.len() as i32);
        out.extend_from_slice(&body);
        out
    }

    pub fn compress(c: Compression, data: &[u8]) -> Vec<u8> {
        match c {
            Compression::None => data.to_vec(),
            Compression::Gzip => {
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Lz4 => {
                let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => {
                ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
            }
            Compression::Snappy => {
                // xerial framing as Kafka writes it: header, then [len][raw block] chunks.
                let mut out = XERIAL_MAGIC.to_vec();
                out.extend_from_slice(&1i32.to_be_bytes());
                out.extend_from_slice(&1i32.to_be_bytes());
                for chunk in data.chunks(32 * 1024) {
                    let block = snap::raw::Encoder::new().compress_vec(chunk).unwrap();
                    out.extend_from_slice(&(block.len() as u32).to_be_bytes());
                    out.extend_from_slice(&block);
                }
                out
            }
        }
    }

    /// A batch at `base_offset` holding `records` (already encoded with [`record`]).
    pub fn batch(base_offset: i64, records: &[Vec<u8>], c: Compression, control: bool) -> Vec<u8> {
        let raw: Vec<u8> = records.concat();
        let body = compress(c, &raw);
        let mut tail = Vec::new(); // attributes .. end: what the CRC covers
        let attributes = c.id() | if control { 0x20 } else { 0 };
        tail.extend_from_slice(&attributes.to_be_bytes());
        tail.extend_from_slice(&(records.len() as i32 - 1).max(0).to_be_bytes());
        tail.extend_from_slice(&0i64.to_be_bytes());
        tail.extend_from_slice(&0i64.to_be_bytes());
        tail.extend_from_slice(&(-1i64).to_be_bytes());
        tail.extend_from_slice(&(-1i16).to_be_bytes());
        tail.extend_from_slice(&(-1i32).to_be_bytes());
        tail.extend_from_slice(&(records.len() as i32).to_be_bytes());
        tail.extend_from_slice(&body);
        let mut out = Vec::new();
        out.extend_from_slice(&base_offset.to_be_bytes());
        out.extend_from_slice(&((tail.len() + 9) as i32).to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes()); // partitionLeaderEpoch
        out.push(2); // magic
        out.extend_from_slice(&crc32c::crc32c(&tail).to_be_bytes());
        out.extend_from_slice(&tail);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    fn sample_records() -> Vec<Vec<u8>> {
        (0..50)
            .map(|i| {
                let v = format!("value number {i} with some repetitive padding padding padding");
                record(i, None, Some(v.as_bytes()))
            })
            .collect()
    }

    #[test]
    fn header_fields_are_read_at_their_offsets() {
        let b = batch(1234, &sample_records(), Compression::None, false);
        let h = BatchHeader::parse(&b).unwrap();
        assert_eq!(h.base_offset, 1234);
        assert_eq!(h.size(), b.len());
        assert_eq!(h.partition_leader_epoch, 1);
        assert_eq!(h.magic, 2);
        assert_eq!(h.last_offset_delta, 49);
        assert_eq!(h.last_offset(), 1283);
        assert_eq!(h.producer_id, -1);
        assert_eq!(h.records_count, 50);
        assert!(!h.is_control());
    }

    #[test]
    fn every_codec_round_trips() {
        let recs = sample_records();
        for c in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let b = batch(7, &recs, c, false);
            let parsed = Batch::parse(&b).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            assert_eq!(parsed.compression, c);
            assert_eq!(parsed.records.len(), 50, "{c:?}");
            assert_eq!(parsed.records[49].offset, 56);
            assert_eq!(
                parsed.records[3].value.as_deref(),
                Some(&b"value number 3 with some repetitive padding padding padding"[..]),
                "{c:?}"
            );
            if c != Compression::None {
                assert!(
                    b.len() < batch(7, &recs, Compression::None, false).len(),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn snappy_without_xerial_header_is_a_raw_block() {
        let raw = sample_records().concat();
        let block = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
        assert_eq!(decompress(Compression::Snappy, &block).unwrap(), raw);
    }

    #[test]
    fn crc_mismatch_is_corrupt() {
        let mut b = batch(0, &sample_records(), Compression::None, false);
        let last = b.len() - 1;
        b[last] ^= 0xFF;
        match Batch::parse(&b) {
            Err(BatchError::Corrupt(m)) => assert!(m.contains("CRC32C"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn short_batch_is_truncated() {
        let b = batch(0, &sample_records(), Compression::None, false);
        assert!(matches!(
            Batch::parse(&b[..b.len() - 1]),
            Err(BatchError::Truncated(_))
        ));
        assert!(matches!(
            Batch::parse(&b[..30]),
            Err(BatchError::Truncated(_))
        ));
    }

    #[test]
    fn garbage_never_panics() {
        // Valid CRC over garbage content: must fail in the record parser, not panic.
        let mut rng = 0x1234_5678u32;
        for len in 0..400 {
            let mut tail: Vec<u8> = (0..len)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 17;
                    rng ^= rng << 5;
                    rng as u8
                })
                .collect();
            if tail.len() >= 2 {
                tail[0] = 0;
                tail[1] = (rng % 5) as u8; // a valid codec, so decompressors see garbage too
            }
            let mut b = Vec::new();
            b.extend_from_slice(&0i64.to_be_bytes());
            b.extend_from_slice(&((tail.len() + 9) as i32).to_be_bytes());
            b.extend_from_slice(&0i32.to_be_bytes());
            b.push(2);
            b.extend_from_slice(&crc32c::crc32c(&tail).to_be_bytes());
            b.extend_from_slice(&tail);
            let _ = Batch::parse(&b);
        }
    }

    #[test]
    fn control_bit_and_huge_length() {
        let b = batch(
            0,
            &[record(0, Some(&[0, 0, 0, 3]), Some(&[]))],
            Compression::None,
            true,
        );
        assert!(Batch::parse(&b).unwrap().header.is_control());
        assert!(matches!(
            declared_size(i32::MAX),
            Err(BatchError::Corrupt(_))
        ));
        assert!(matches!(declared_size(-5), Err(BatchError::Corrupt(_))));
    }
}
