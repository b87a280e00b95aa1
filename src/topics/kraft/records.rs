//! Metadata record values (MetadataRecordSerde): frame version (unsigned varint, always 1),
//! apiKey (unsigned varint), record version (unsigned varint), then the record in Kafka's
//! flexible-version encoding (compact strings, tagged fields). Only the records that decide a
//! topic's existence and configuration are decoded; the rest are identified by apiKey.

use super::wire::{Reader, Uuid, WireResult};

pub const REGISTER_BROKER: u16 = 0;
pub const TOPIC: u16 = 2;
pub const PARTITION: u16 = 3;
pub const CONFIG: u16 = 4;
pub const REMOVE_TOPIC: u16 = 9;
pub const FEATURE_LEVEL: u16 = 12;
pub const BEGIN_TRANSACTION: u16 = 23;
pub const END_TRANSACTION: u16 = 24;
pub const ABORT_TRANSACTION: u16 = 25;

/// ConfigResource.Type ids as stored in ConfigRecord.resourceType.
pub const RESOURCE_TOPIC: i8 = 2;
pub const RESOURCE_BROKER: i8 = 4;

/// Names of the metadata record types this tool has checked against a real Kafka 4.0 log (the
/// fixture's DumpLogSegments output) or schema; other apiKeys are reported by number rather than
/// risk a wrong name.
pub fn type_name(api_key: u16) -> Option<&'static str> {
    Some(match api_key {
        0 => "RegisterBrokerRecord",
        2 => "TopicRecord",
        3 => "PartitionRecord",
        4 => "ConfigRecord",
        5 => "PartitionChangeRecord",
        9 => "RemoveTopicRecord",
        12 => "FeatureLevelRecord",
        17 => "BrokerRegistrationChangeRecord",
        20 => "NoOpRecord",
        23 => "BeginTransactionRecord",
        24 => "EndTransactionRecord",
        25 => "AbortTransactionRecord",
        27 => "RegisterControllerRecord",
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataRecord {
    Topic {
        name: String,
        topic_id: Uuid,
    },
    Partition {
        partition_id: i32,
        topic_id: Uuid,
    },
    RemoveTopic {
        topic_id: Uuid,
    },
    Config {
        resource_type: i8,
        resource_name: String,
        name: String,
        /// `None` deletes the key.
        value: Option<String>,
    },
    FeatureLevel {
        name: String,
        level: i16,
    },
    BeginTransaction,
    EndTransaction,
    AbortTransaction,
    /// A record this reader does not need (known or not): only its type is kept.
    Other {
        api_key: u16,
        version: u16,
    },
}

impl MetadataRecord {
    pub fn api_key(&self) -> u16 {
        match self {
            MetadataRecord::Topic { .. } => TOPIC,
            MetadataRecord::Partition { .. } => PARTITION,
            MetadataRecord::RemoveTopic { .. } => REMOVE_TOPIC,
            MetadataRecord::Config { .. } => CONFIG,
            MetadataRecord::FeatureLevel { .. } => FEATURE_LEVEL,
            MetadataRecord::BeginTransaction => BEGIN_TRANSACTION,
            MetadataRecord::EndTransaction => END_TRANSACTION,
            MetadataRecord::AbortTransaction => ABORT_TRANSACTION,
            MetadataRecord::Other { api_key, .. } => *api_key,
        }
    }
}

fn short(r: &Reader<'_>, what: &str, v: u32) -> WireResult<u16> {
    u16::try_from(v).or_else(|_| r.err(format!("{what} {v} out of range")))
}

/// Skips a tagged-field section (unknown tags are legal and must be ignored).
fn skip_tagged_fields(r: &mut Reader<'_>) -> WireResult<()> {
    let n = r.uvarint()?;
    for _ in 0..n {
        r.uvarint()?; // tag
        let size = r.uvarint()?;
        r.bytes(size as usize)?;
    }
    Ok(())
}

/// Decodes one record value. Fields after the ones this tool needs are not parsed, so newer
/// record versions that append fields still decode.
pub fn decode(value: &[u8]) -> WireResult<MetadataRecord> {
    let mut r = Reader::new(value);
    let frame = r.uvarint()?;
    if frame != 1 {
        return r.err(format!("unsupported metadata frame version {frame}"));
    }
    let api_key = r.uvarint()?;
    let api_key = short(&r, "apiKey", api_key)?;
    let version = r.uvarint()?;
    let version = short(&r, "record version", version)?;
    Ok(match api_key {
        TOPIC => MetadataRecord::Topic {
            name: r.compact_string()?,
            topic_id: r.uuid()?,
        },
        PARTITION => MetadataRecord::Partition {
            partition_id: r.i32()?,
            topic_id: r.uuid()?,
        },
        REMOVE_TOPIC => MetadataRecord::RemoveTopic {
            topic_id: r.uuid()?,
        },
        CONFIG => {
            let rec = MetadataRecord::Config {
                resource_type: r.i8()?,
                resource_name: r.compact_string()?,
                name: r.compact_string()?,
                value: r.compact_nullable_string()?,
            };
            skip_tagged_fields(&mut r)?;
            if !r.is_empty() {
                return r.err(format!(
                    "{} stray bytes after a ConfigRecord",
                    r.remaining()
                ));
            }
            rec
        }
        FEATURE_LEVEL => MetadataRecord::FeatureLevel {
            name: r.compact_string()?,
            level: r.i16()?,
        },
        BEGIN_TRANSACTION => MetadataRecord::BeginTransaction,
        END_TRANSACTION => MetadataRecord::EndTransaction,
        ABORT_TRANSACTION => MetadataRecord::AbortTransaction,
        _ => MetadataRecord::Other { api_key, version },
    })
}

#[cfg(test)]
pub(crate) mod enc {
    //! Encoders for the decoded record types, for tests.
    use crate::topics::kraft::wire::{enc, Uuid};

    fn head(api_key: u32) -> Vec<u8> {
        let mut b = Vec::new();
        enc::uvarint(&mut b, 1);
        enc::uvarint(&mut b, api_key);
        enc::uvarint(&mut b, 0);
        b
    }
    pub fn topic(name: &str, id: Uuid) -> Vec<u8> {
        let mut b = head(2);
        enc::compact_string(&mut b, Some(name));
        b.extend_from_slice(&id.0);
        b.push(0);
        b
    }
    pub fn partition(pid: i32, id: Uuid) -> Vec<u8> {
        let mut b = head(3);
        b.extend_from_slice(&pid.to_be_bytes());
        b.extend_from_slice(&id.0);
        b.extend_from_slice(&[2, 2, 0, 0, 0, 1]); // replicas [1] (rest of the record omitted)
        b
    }
    pub fn remove_topic(id: Uuid) -> Vec<u8> {
        let mut b = head(9);
        b.extend_from_slice(&id.0);
        b.push(0);
        b
    }
    pub fn config(rtype: i8, rname: &str, key: &str, value: Option<&str>) -> Vec<u8> {
        let mut b = head(4);
        b.push(rtype as u8);
        enc::compact_string(&mut b, Some(rname));
        enc::compact_string(&mut b, Some(key));
        enc::compact_string(&mut b, value);
        b.push(0);
        b
    }
    pub fn bare(api_key: u32) -> Vec<u8> {
        let mut b = head(api_key);
        b.push(0);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_record_from_the_fixture_bytes() {
        // Value of offset 79 in the fixture's 00000000000000000069.log.
        let mut v = vec![0x01, 0x04, 0x00, 0x02, 0x0b];
        v.extend_from_slice(b"a-segbytes");
        v.push(0x0e);
        v.extend_from_slice(b"segment.bytes");
        v.push(0x0a);
        v.extend_from_slice(b"201326592");
        v.push(0x00);
        assert_eq!(
            decode(&v).unwrap(),
            MetadataRecord::Config {
                resource_type: RESOURCE_TOPIC,
                resource_name: "a-segbytes".into(),
                name: "segment.bytes".into(),
                value: Some("201326592".into()),
            }
        );
    }

    #[test]
    fn null_config_value_is_a_delete() {
        let v = enc::config(2, "t", "segment.index.bytes", None);
        assert!(matches!(
            decode(&v).unwrap(),
            MetadataRecord::Config { value: None, .. }
        ));
    }

    #[test]
    fn unknown_types_and_bad_frames() {
        assert_eq!(
            decode(&enc::bare(99)).unwrap(),
            MetadataRecord::Other {
                api_key: 99,
                version: 0
            }
        );
        assert!(decode(&[0x02, 0x02, 0x00]).is_err()); // frame version 2
        assert!(decode(&[0x01, 0x02, 0x00, 0x05, b'a']).is_err()); // cut short
        assert!(decode(&[]).is_err());
    }

    #[test]
    fn topic_partition_remove_round_trip() {
        let id = Uuid([7; 16]);
        assert_eq!(
            decode(&enc::topic("x", id)).unwrap(),
            MetadataRecord::Topic {
                name: "x".into(),
                topic_id: id
            }
        );
        assert_eq!(
            decode(&enc::partition(3, id)).unwrap(),
            MetadataRecord::Partition {
                partition_id: 3,
                topic_id: id
            }
        );
        assert_eq!(
            decode(&enc::remove_topic(id)).unwrap(),
            MetadataRecord::RemoveTopic { topic_id: id }
        );
    }
}
