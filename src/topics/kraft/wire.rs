//! Bounds-checked reading of Kafka's wire primitives. Every length read from the input is checked
//! against the bytes actually left before anything is allocated, so garbage lengths fail cleanly.

use std::fmt;

/// Why a buffer could not be decoded. Positions are relative to the buffer being decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.pos)
    }
}

impl std::error::Error for WireError {}

pub type WireResult<T> = Result<T, WireError>;

/// A cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn err<T>(&self, message: impl Into<String>) -> WireResult<T> {
        Err(WireError {
            pos: self.pos,
            message: message.into(),
        })
    }

    pub fn bytes(&mut self, n: usize) -> WireResult<&'a [u8]> {
        if n > self.remaining() {
            return self.err(format!(
                "needs {n} bytes but only {} are left",
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> WireResult<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> WireResult<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn i8(&mut self) -> WireResult<i8> {
        Ok(self.u8()? as i8)
    }
    pub fn i16(&mut self) -> WireResult<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> WireResult<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> WireResult<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> WireResult<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// Kafka's unsigned varint (ByteUtils.readUnsignedVarint): at most 5 bytes, 32 bits.
    pub fn uvarint(&mut self) -> WireResult<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            // The 5th byte may only carry the top 4 bits; anything more is a malformed varint,
            // which Kafka rejects too.
            if i == 4 && b & 0xF0 != 0 {
                self.pos = start;
                return self.err("varint longer than 32 bits");
            }
            value |= u32::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.pos = start;
        self.err("varint longer than 5 bytes")
    }

    /// Kafka's signed (zig-zag) varint.
    pub fn varint(&mut self) -> WireResult<i32> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// Kafka's zig-zag varlong: at most 10 bytes, 64 bits.
    pub fn varlong(&mut self) -> WireResult<i64> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b & 0xFE != 0 {
                self.pos = start;
                return self.err("varlong longer than 64 bits");
            }
            value |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
            }
        }
        self.pos = start;
        self.err("varlong longer than 10 bytes")
    }

    /// A compact (flexible-version) nullable string: unsigned varint length + 1, 0 = null.
    pub fn compact_nullable_string(&mut self) -> WireResult<Option<String>> {
        let at = self.pos;
        let n = self.uvarint()?;
        if n == 0 {
            return Ok(None);
        }
        let bytes = self.bytes((n - 1) as usize)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(s.to_string())),
            Err(_) => Err(WireError {
                pos: at,
                message: "string is not valid UTF-8".into(),
            }),
        }
    }

    pub fn compact_string(&mut self) -> WireResult<String> {
        let at = self.pos;
        self.compact_nullable_string()?.ok_or(WireError {
            pos: at,
            message: "null where a non-nullable string is required".into(),
        })
    }

    pub fn uuid(&mut self) -> WireResult<Uuid> {
        Ok(Uuid(self.array()?))
    }
}

/// Kafka's topic id. Displayed the way Kafka prints it: URL-safe base64 without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(pub [u8; 16]);

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(22);
        for chunk in self.0.chunks(3) {
            let mut n = 0u32;
            for (i, b) in chunk.iter().enumerate() {
                n |= u32::from(*b) << (16 - 8 * i);
            }
            // 3 bytes -> 4 chars, a final single byte -> 2 chars (no padding).
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3F) as usize] as char);
            }
        }
        f.write_str(&out)
    }
}

impl serde::Serialize for Uuid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
pub(crate) mod enc {
    //! Encoders for building test inputs.
    pub fn uvarint(out: &mut Vec<u8>, mut v: u32) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7F) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    pub fn varint(out: &mut Vec<u8>, v: i32) {
        uvarint(out, ((v << 1) ^ (v >> 31)) as u32);
    }
    pub fn varlong(out: &mut Vec<u8>, v: i64) {
        let mut u = ((v << 1) ^ (v >> 63)) as u64;
        while u >= 0x80 {
            out.push((u as u8 & 0x7F) | 0x80);
            u >>= 7;
        }
        out.push(u as u8);
    }
    pub fn compact_string(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            None => uvarint(out, 0),
            Some(s) => {
                uvarint(out, s.len() as u32 + 1);
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarint_round_trips_edges() {
        for v in [0u32, 1, 127, 128, 300, 16383, 16384, u32::MAX] {
            let mut b = Vec::new();
            enc::uvarint(&mut b, v);
            let mut r = Reader::new(&b);
            assert_eq!(r.uvarint().unwrap(), v);
            assert!(r.is_empty());
        }
        // Known encodings from the protocol guide.
        assert_eq!(Reader::new(&[0xAC, 0x02]).uvarint().unwrap(), 300);
    }

    #[test]
    fn signed_varints_zigzag() {
        assert_eq!(Reader::new(&[0x01]).varint().unwrap(), -1);
        assert_eq!(Reader::new(&[0x02]).varint().unwrap(), 1);
        for v in [0i64, -1, 1, i64::from(i32::MIN), i64::MAX, i64::MIN] {
            let mut b = Vec::new();
            enc::varlong(&mut b, v);
            assert_eq!(Reader::new(&b).varlong().unwrap(), v);
        }
        for v in [0i32, -1, 1, i32::MIN, i32::MAX] {
            let mut b = Vec::new();
            enc::varint(&mut b, v);
            assert_eq!(Reader::new(&b).varint().unwrap(), v);
        }
    }

    #[test]
    fn malformed_varints_are_errors_not_panics() {
        assert!(Reader::new(&[0x80, 0x80]).uvarint().is_err()); // truncated
        assert!(Reader::new(&[0xFF; 6]).uvarint().is_err()); // too long
        assert!(Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
            .uvarint()
            .is_err()); // > 32 bits
        assert!(Reader::new(&[0xFF; 11]).varlong().is_err());
        assert!(Reader::new(&[]).varint().is_err());
    }

    #[test]
    fn huge_string_length_fails_without_allocating() {
        // Length 2^32-2 with 1 byte of payload: must be an error, not an allocation attempt.
        let mut r = Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F, b'a']);
        let e = r.compact_string().unwrap_err();
        assert!(e.message.contains("only 1 are left"), "{e}");
    }

    #[test]
    fn compact_strings_and_null() {
        let mut b = Vec::new();
        enc::compact_string(&mut b, Some("a-topic"));
        enc::compact_string(&mut b, None);
        let mut r = Reader::new(&b);
        assert_eq!(r.compact_string().unwrap(), "a-topic");
        assert_eq!(r.compact_nullable_string().unwrap(), None);
    }

    #[test]
    fn uuid_displays_like_kafka() {
        // Kafka's Uuid.toString of 0..0,1 is "AAAAAAAAAAAAAAAAAAAAAQ" (see partition.metadata of
        // the metadata partition).
        let mut b = [0u8; 16];
        b[15] = 1;
        assert_eq!(Uuid(b).to_string(), "AAAAAAAAAAAAAAAAAAAAAQ");
    }
}
