//! One index file's mappings through Kafka's load events (kafka-model.md §6.3): materialize,
//! resize (version rules), recover. Lengths are symbolic so a whole run of regular segments can
//! be simulated once and costed from the scan's per-partition sums.

use crate::kafka_version::Rules;

/// A mapping length.
#[derive(Debug, Clone, Copy)]
pub enum Len {
    /// The file's on-disk length (costed from the scan's sums over the run of segments).
    Disk,
    /// The preallocated maximum X (segment.index.bytes rounded down to the entry size).
    Max,
    /// Empty: the JDK maps nothing for a zero-length file.
    Zero,
    /// A concrete length (individually kept segments).
    Bytes(u64),
}

impl PartialEq for Len {
    fn eq(&self, o: &Len) -> bool {
        use Len::*;
        match (self, o) {
            (Disk, Disk) | (Max, Max) | (Zero, Zero) => true,
            (Bytes(a), Bytes(b)) => a == b,
            (Zero, Bytes(n)) | (Bytes(n), Zero) => *n == 0,
            _ => false,
        }
    }
}

/// An index object during loading: its live mapping and the mappings it dropped.
#[derive(Debug)]
pub struct Ix<'r> {
    rules: &'r Rules,
    /// This index's maximum: `Len::Max` for a run of segments, `Len::Bytes(X)` for one segment,
    /// so that a concrete file already at X compares equal to it.
    max: Len,
    pub live: Option<Len>,
    pub garbage: Vec<Len>,
}

impl<'r> Ix<'r> {
    pub fn new(rules: &'r Rules, max: Len) -> Self {
        Ix {
            rules,
            max,
            live: None,
            garbage: Vec::new(),
        }
    }

    /// MAT(n): open the index at length n; a no-op when already materialized (LazyIndex.get).
    pub fn mat(&mut self, n: Len) {
        if self.live.is_none() {
            self.live = Some(n);
        }
    }

    /// RS(a -> b) on the live mapping.
    pub fn resize(&mut self, to: Len) {
        let Some(from) = self.live else {
            self.live = Some(to);
            return;
        };
        if from == to && !self.rules.remap_equal_size {
            return;
        }
        if !self.rules.unmap_on_resize {
            self.garbage.push(from);
        }
        self.live = Some(to);
    }

    /// RECOVER: reset (resize to max), rebuild, trimToValidSize (resize to the valid length).
    pub fn recover(&mut self, valid: Len) {
        self.resize(self.max);
        self.resize(valid);
    }

    /// The preallocated maximum (a missing file is created at it; ACTIVE resizes to it).
    pub fn max(&self) -> Len {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka_version::{KafkaVersion, Rules};

    fn rules(v: &str) -> Rules {
        Rules::for_version(v.parse::<KafkaVersion>().unwrap())
    }

    #[test]
    fn crashed_active_segment_in_the_lazy_era() {
        // MAT(X) -> reset is a no-op at equal size -> trim leaves X as garbage -> ACTIVE leaves V.
        let r = rules("3.0.0");
        let mut ix = Ix::new(&r, Len::Bytes(4096));
        ix.mat(Len::Bytes(4096));
        ix.recover(Len::Bytes(800));
        ix.resize(ix.max());
        assert_eq!(ix.live, Some(Len::Bytes(4096)));
        assert_eq!(ix.garbage, vec![Len::Bytes(4096), Len::Bytes(800)]);
    }

    #[test]
    fn before_1_1_even_equal_sizes_remap() {
        let r = rules("1.0.0");
        let mut ix = Ix::new(&r, Len::Max);
        ix.mat(Len::Max);
        ix.resize(Len::Max);
        assert_eq!(ix.garbage, vec![Len::Max]);
    }

    #[test]
    fn unmap_on_resize_leaves_no_garbage() {
        let r = Rules {
            unmap_on_resize: true,
            ..rules("4.0.0")
        };
        let mut ix = Ix::new(&r, Len::Max);
        ix.mat(Len::Disk);
        ix.recover(Len::Disk);
        ix.resize(Len::Max);
        assert!(ix.garbage.is_empty());
        assert_eq!(ix.live, Some(Len::Max));
    }
}
