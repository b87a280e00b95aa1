//! The stable-toolchain stand-in for cargo-fuzz: every entry point of
//! `kafka_preflight::fuzzing` (the functions the fuzz/ targets call) runs over a corpus generated
//! from realistic seeds by deterministic mutations (bit flips, interesting bytes, truncation,
//! splicing, repetition). A panic fails the test and prints the input that caused it.

use kafka_preflight::fuzzing::TARGETS;

const ROUNDS: usize = 1500;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let s: &[&str] = match target {
        "unit_file" => &[
            "[Unit]\nDescription=Kafka\n[Service]\nLimitNOFILE=100000\nLimitAS=infinity\nEnvironment=\"KAFKA_HEAP_OPTS=-Xmx6g -Xms6g\" KAFKA_OPTS=-Dx=1\nEnvironmentFile=-/etc/default/kafka\n",
            "[Service]\nLimitNOFILE=1024:524288\nLimitAS=8G\nEnvironment=A=1 \\\n  B='two words'\n; comment\n",
            "KAFKA_HEAP_OPTS=\"-Xmx1g\"\nexport KAFKA_OPTS='-Dfoo=bar'\n# c\n",
        ],
        "jvm_options" => &[
            "-Xmx6g -Xms6g -XX:MaxDirectMemorySize=2g -Xss1m",
            "-XX:+DisableExplicitGC -XX:ThreadStackSize=1024 -XX:MaxMetaspaceSize=256m",
            "\"-Xmx512m\" '-XX:ReservedCodeCacheSize=240m' -XX:CompressedClassSpaceSize=1g",
        ],
        "topic_config" => &[
            "Dynamic configs for topic orders are:\n  segment.bytes=1073741824 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.bytes=1073741824, DEFAULT_CONFIG:log.segment.bytes=1073741824}\n",
            "All configs for topic t are:\n  segment.index.bytes=10485760 sensitive=false synonyms={DEFAULT_CONFIG:log.index.size.max.bytes=10485760}\n",
            "orders segment.bytes=268435456 segment.index.bytes=1048576\npayments cleanup.policy=compact\n",
            "Topic: t\tTopicId: abc\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: segment.bytes=1000\n",
        ],
        "merge_report" => &[
            r#"{"schema_version":1,"broker":{"host":"h","broker_id":1,"cluster_id":"c"},"verdict":"pass","checks":[{"id":"map_count","status":"pass","needed":10,"limit":20,"message":"ok"}],"recommendations":[],"estimate":{"recovery":{"slowest_seconds":1.5}},"inventory":{"partitions":4,"log_dirs":[]}}"#,
            r#"{"schema_version":1,"verdict":"fail","checks":[{"id":"vm","status":"fail"}],"recommendations":[{"setting":"LimitAS","current":"1","recommended":"2","reason":"r"}]}"#,
            "[1, 2]",
        ],
        "checkpoint" => &[
            "0\n3\nt 0 100\nt 1 7\nx.y-z 12 -1\n",
            "0\r\n1\r\norders\t3  99\r\n",
            "{\"version\":0,\"brokerEpoch\":42}",
            "#\nversion=1\nnode.id=3\ncluster.id=abc\ndirectory.id=xyz\n",
        ],
        other => panic!("no seeds for fuzz target {other}"),
    };
    s.iter().map(|x| x.as_bytes().to_vec()).collect()
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u8] = b"\0\xff\xfe\xc3\x80\n\r\t \\\"'=:[]{},-+.#;0123456789eE";

fn mutate(rng: &mut Rng, pool: &[Vec<u8>]) -> Vec<u8> {
    let mut v = pool[rng.below(pool.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            2 => v.truncate(at),
            3 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v.remove(i);
            }
            4 => {
                let other = &pool[rng.below(pool.len())];
                let from = rng.below(other.len() + 1);
                let tail = other[from..].to_vec();
                v.splice(at..at, tail);
            }
            5 if at < v.len() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                let chunk = v[at..end].to_vec();
                for _ in 0..rng.below(64) {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            _ => {
                let n = rng.below(8);
                for _ in 0..n {
                    v.insert(at.min(v.len()), (rng.next() & 0xff) as u8);
                }
            }
        }
    }
    v.truncate(64 << 10);
    v
}

#[test]
fn every_fuzz_entry_point_survives_a_generated_corpus() {
    for (name, f) in TARGETS {
        let mut pool = seeds(name);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        let mut inputs: Vec<Vec<u8>> = pool.clone();
        inputs.push(Vec::new());
        for _ in 0..ROUNDS {
            let m = mutate(&mut rng, &pool);
            if rng.below(8) == 0 {
                pool.push(m.clone());
            }
            inputs.push(m);
        }
        for input in inputs {
            let r = std::panic::catch_unwind(|| f(&input));
            assert!(
                r.is_ok(),
                "fuzz target {name} panicked on {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}
