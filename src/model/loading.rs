//! What log loading does to each segment's indexes, by era (kafka-model.md §6.4), tallied into
//! live and garbage mappings.

use super::index_sim::{Ix, Len};
use crate::kafka_version::Rules;
use crate::scan::{page_round, Segment, SegmentSums};

/// Index geometry of one log: X (preallocation size per index type) and the index interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// segment.index.bytes / log.index.size.max.bytes (before rounding).
    pub index_max_bytes: u64,
    pub index_interval_bytes: u64,
}

impl Geometry {
    pub fn xo(&self) -> u64 {
        self.index_max_bytes / 8 * 8
    }
    pub fn xt(&self) -> u64 {
        self.index_max_bytes / 12 * 12
    }
    /// Valid entries of a rebuilt index: one per more-than-I bytes of log (none for the first batch).
    fn entries(&self, log_bytes: u64) -> u64 {
        log_bytes / (self.index_interval_bytes + 1)
    }
}

/// Mapping counts and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Maps {
    pub maps: u64,
    pub bytes: u64,
}

// Saturating: a described (`plan`) workload of billions of partitions must not wrap or panic.
impl std::ops::AddAssign for Maps {
    fn add_assign(&mut self, o: Maps) {
        self.maps = self.maps.saturating_add(o.maps);
        self.bytes = self.bytes.saturating_add(o.bytes);
    }
}

impl Maps {
    /// `k` identical copies.
    pub fn times(self, k: u64) -> Maps {
        Maps {
            maps: self.maps.saturating_mul(k),
            bytes: self.bytes.saturating_mul(k),
        }
    }
}

impl std::ops::Add for Maps {
    type Output = Maps;
    fn add(mut self, o: Maps) -> Maps {
        self += o;
        self
    }
}

/// What the model attributes a mapping to (for "biggest contributors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The active segment's indexes, resized to the maximum.
    Active,
    /// Segments recovered after an unclean shutdown.
    Recovered,
    /// Every other segment's indexes, mapped at open (eager era, before 2.3).
    Eager,
    /// Missing index files created at the maximum.
    MissingIndex,
    /// Offset indexes read by the producer-state rebuild (no .snapshot files).
    ProducerState,
}

/// Live and garbage mappings of a set of logs, by cause.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub live: Maps,
    pub garbage: Maps,
    pub by_cause: std::collections::BTreeMap<Cause, (Maps, Maps)>,
}

impl Tally {
    fn add(&mut self, cause: Cause, live: Maps, garbage: Maps) {
        self.live += live;
        self.garbage += garbage;
        let e = self.by_cause.entry(cause).or_default();
        e.0 += live;
        e.1 += garbage;
    }

    pub fn merge(&mut self, o: &Tally) {
        for (c, (l, g)) in &o.by_cause {
            self.add(*c, *l, *g);
        }
    }

    /// The tally of `k` identical logs.
    pub fn times(&self, k: u64) -> Tally {
        let mut t = Tally::default();
        for (c, (l, g)) in &self.by_cause {
            t.add(*c, l.times(k), g.times(k));
        }
        t
    }
}

/// How to cost symbolic lengths for one population of index files.
struct Weights {
    /// Number of files the simulated sequence stands for.
    n: u64,
    /// Σ non-empty files / Σ page-rounded on-disk lengths of the population (for `Len::Disk`).
    disk: Maps,
    x: u64,
    page: u64,
}

impl Weights {
    fn cost(&self, l: Len) -> Maps {
        let one = |b: u64| Maps {
            maps: self.n * u64::from(b > 0),
            bytes: self.n * page_round(b, self.page),
        };
        match l {
            Len::Disk => self.disk,
            Len::Max => one(self.x),
            Len::Zero => Maps::default(),
            Len::Bytes(b) => one(b),
        }
    }
    fn cost_ix(&self, ix: &Ix) -> (Maps, Maps) {
        let live = ix.live.map(|l| self.cost(l)).unwrap_or_default();
        let mut garbage = Maps::default();
        for g in &ix.garbage {
            garbage += self.cost(*g);
        }
        (live, garbage)
    }
}

/// One index file's situation at load.
#[derive(Debug, Clone, Copy)]
struct IndexFile {
    /// On-disk length; None when missing (Kafka creates it at the maximum).
    file: Option<Len>,
    /// Length after a rebuild (trimToValidSize).
    valid: Len,
}

#[derive(Debug, Clone, Copy)]
struct SegmentPlan {
    offset: IndexFile,
    time: IndexFile,
    /// RECOVER cycles this segment goes through.
    recovers: u32,
    active: bool,
    /// The producer-state rebuild reads this segment (materializes its offset index).
    producer_read: bool,
}

/// Runs one segment's load events for both index types (§6.4) and returns the two index objects.
fn run<'r>(
    rules: &'r Rules,
    s: &SegmentPlan,
    delete_dir: bool,
    max: (Len, Len),
) -> (Ix<'r>, Option<Ix<'r>>) {
    let mut o = Ix::new(rules, max.0);
    let mut t = rules.time_index.then(|| Ix::new(rules, max.1));
    if rules.lazy_index {
        if delete_dir {
            return (o, t);
        }
        if let Some(t) = t.as_mut() {
            match (s.offset.file, s.time.file) {
                // sanityCheck(timeIndexFileNewlyCreated): created at max, then resize(0).
                (Some(_), None) => {
                    t.mat(t.max());
                    t.resize(Len::Zero);
                }
                (None, tf) => {
                    let m = t.max();
                    t.mat(tf.unwrap_or(m))
                }
                _ => {}
            }
        }
        if s.offset.file.is_none() {
            o.mat(max.0);
        }
        if s.recovers > 0 {
            o.mat(s.offset.file.unwrap_or(max.0));
            if let Some(t) = t.as_mut() {
                t.mat(s.time.file.unwrap_or(max.1));
            }
            for _ in 0..s.recovers {
                o.recover(s.offset.valid);
                if let Some(t) = t.as_mut() {
                    t.recover(s.time.valid);
                }
            }
        }
        if s.producer_read {
            o.mat(s.offset.file.unwrap_or(max.0));
        }
    } else {
        // Eager: every segment of every loaded dir opens its indexes at their on-disk length.
        o.mat(s.offset.file.unwrap_or(max.0));
        if let Some(t) = t.as_mut() {
            match s.time.file {
                Some(l) => t.mat(l),
                None => {
                    t.mat(max.1);
                    if !rules.missing_time_index_kept {
                        t.resize(Len::Zero);
                    }
                }
            }
        }
        if !delete_dir {
            for _ in 0..s.recovers {
                o.recover(s.offset.valid);
                if let Some(t) = t.as_mut() {
                    t.recover(s.time.valid);
                }
            }
        }
    }
    if s.active && !delete_dir {
        o.mat(s.offset.file.unwrap_or(max.0));
        o.resize(max.0);
        if let Some(t) = t.as_mut() {
            t.mat(s.time.file.unwrap_or(max.1));
            t.resize(max.1);
        }
    }
    (o, t)
}

/// Everything the model needs to know about one log to simulate its load.
pub struct LogLoad<'a> {
    pub rules: &'a Rules,
    pub geometry: Geometry,
    pub page: u64,
    /// The log is recovered at this start (unclean dir, or the metadata log).
    pub recovered: bool,
    pub delete_dir: bool,
    /// A planned restart trims the active segment's indexes at close.
    pub clean_close: bool,
    /// No producer snapshots and an unclean start: the rebuild reads from the log start.
    pub producer_rebuild_all: bool,
}

impl LogLoad<'_> {
    fn recovers(&self, in_r: bool, untrimmed: bool, offset_missing: bool) -> u32 {
        let r = self.rules;
        let mut n = u32::from(self.recovered && in_r);
        if !self.delete_dir {
            // 0.9 - 2.2: a failed sanity check recovers the segment once more (§3.2).
            n += u32::from(!r.lazy_index && r.sanity_check_recovers && untrimmed);
            // A missing .index makes the segment recover (lazy; eager before 1.1).
            n += u32::from(offset_missing && (r.lazy_index || !r.missing_offset_index_kept));
        }
        n
    }

    /// A run of regular segments (trimmed, offset index present) from the scan's sums.
    pub fn sums(&self, s: &SegmentSums, in_r: bool, tally: &mut Tally) {
        if s.segments == 0 {
            return;
        }
        let recovers = self.recovers(in_r, false, false);
        let producer_read = self.producer_rebuild_all && !in_r;
        let cause = if recovers > 0 {
            Cause::Recovered
        } else if producer_read && self.rules.lazy_index {
            Cause::ProducerState
        } else {
            Cause::Eager
        };
        let g = self.geometry;
        let trimmed = IndexFile {
            file: Some(Len::Disk),
            valid: Len::Disk,
        };
        let missing_time = IndexFile {
            file: None,
            // Segments without a .timeindex were written before 0.10.1: no timestamps to index.
            valid: Len::Zero,
        };
        let plan = |time| SegmentPlan {
            offset: trimmed,
            time,
            recovers,
            active: false,
            producer_read,
        };
        let (o, t) = run(
            self.rules,
            &plan(trimmed),
            self.delete_dir,
            (Len::Max, Len::Max),
        );
        let wo = Weights {
            n: s.segments,
            disk: Maps {
                maps: s.offset_index_maps,
                bytes: s.offset_index_map_bytes,
            },
            x: g.xo(),
            page: self.page,
        };
        let (l, gb) = wo.cost_ix(&o);
        tally.add(cause, l, gb);
        if let Some(t) = t {
            let wt = Weights {
                n: s.time_index_files,
                disk: Maps {
                    maps: s.time_index_maps,
                    bytes: s.time_index_map_bytes,
                },
                x: g.xt(),
                page: self.page,
            };
            let (l, gb) = wt.cost_ix(&t);
            tally.add(cause, l, gb);
        }
        if s.missing_time_index > 0 && self.rules.time_index {
            let (_, t) = run(
                self.rules,
                &plan(missing_time),
                self.delete_dir,
                (Len::Max, Len::Max),
            );
            let wt = Weights {
                n: s.missing_time_index,
                disk: Maps::default(),
                x: g.xt(),
                page: self.page,
            };
            if let Some(t) = t {
                let (l, gb) = wt.cost_ix(&t);
                tally.add(Cause::MissingIndex, l, gb);
            }
        }
    }

    /// One individually kept segment (the active one, or an irregular one).
    pub fn segment(&self, seg: &Segment, in_r: bool, active: bool, tally: &mut Tally) {
        let g = self.geometry;
        let (xo, xt) = (g.xo(), g.xt());
        let entries = g.entries(seg.log_bytes);
        let mut lo = seg.offset_index;
        let mut lt = seg.time_index;
        // A planned restart trims the active segment at close: model its files at their valid size.
        if active && self.clean_close {
            lo = lo.map(|n| if n >= xo { (8 * entries).min(xo) } else { n });
            lt = lt.map(|n| {
                if n >= xt {
                    (12 * (entries + 1)).min(xt)
                } else {
                    n
                }
            });
        }
        let untrimmed =
            lo.is_some_and(|n| xo > 0 && n >= xo) || lt.is_some_and(|n| xt > 0 && n >= xt);
        let valid = |file: Option<u64>, x: u64, rebuilt: u64| match file {
            Some(n) if n < x => Len::Bytes(n),
            _ => Len::Bytes(rebuilt.min(x)),
        };
        let offset = IndexFile {
            file: lo.map(Len::Bytes),
            valid: valid(lo, xo, 8 * entries),
        };
        let time = IndexFile {
            file: lt.map(Len::Bytes),
            valid: match lt {
                None => Len::Zero,
                Some(_) => valid(lt, xt, 12 * (entries + 1)),
            },
        };
        let recovers = self.recovers(in_r, untrimmed, lo.is_none());
        let producer_read = self.producer_rebuild_all && !in_r;
        let plan = SegmentPlan {
            offset,
            time,
            recovers,
            active,
            producer_read,
        };
        let cause = if active {
            Cause::Active
        } else if lo.is_none() || (lt.is_none() && self.rules.time_index) {
            Cause::MissingIndex
        } else if recovers > 0 {
            Cause::Recovered
        } else {
            Cause::Eager
        };
        let (o, t) = run(
            self.rules,
            &plan,
            self.delete_dir,
            (Len::Bytes(xo), Len::Bytes(xt)),
        );
        let w = |x| Weights {
            n: 1,
            disk: Maps::default(),
            x,
            page: self.page,
        };
        let (l, gb) = w(xo).cost_ix(&o);
        tally.add(cause, l, gb);
        if let Some(t) = t {
            let (l, gb) = w(xt).cost_ix(&t);
            tally.add(cause, l, gb);
        }
    }
}
