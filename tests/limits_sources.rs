//! Each limit source on its own, from files in a temp dir laid out like a real host.

use std::path::{Path, PathBuf};

use kafka_preflight::limits::{
    parse_env_file, parse_environment_words, parse_max_map_count, parse_proc_limits,
    parse_systemd_rlimit, parse_ulimit_n, parse_ulimit_v, resolve, LimitError, LimitInputs, Limits,
};

const GIB: u64 = 1 << 30;
const INCIDENT_BYTES: u64 = 6899920 * 1024;

/// A fake host: `proc/`, `etc/` and systemd's four unit directories under one temp dir.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Self {
        Host {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn inputs(&self) -> LimitInputs {
        LimitInputs {
            proc_root: self.path("proc"),
            etc_root: self.path("etc"),
            systemd_dirs: [
                "etc/systemd/system",
                "run/systemd/system",
                "lib/systemd/system",
                "usr/lib/systemd/system",
            ]
            .iter()
            .map(|d| self.path(d))
            .collect(),
            ..LimitInputs::default()
        }
    }
    fn unit(&self, name: &str) -> Limits {
        resolve(&LimitInputs {
            systemd_unit: Some(name.into()),
            ..self.inputs()
        })
        .unwrap()
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/limits")
        .join(name)
}

fn notes_mention(l: &Limits, needle: &str) -> bool {
    l.notes.iter().any(|n| n.contains(needle))
}

// ---------------------------------------------------------------- flags

#[test]
fn ulimit_v_bare_number_is_kib_as_ulimit_prints_it() {
    assert_eq!(parse_ulimit_v("6899920").unwrap(), Some(INCIDENT_BYTES));
    assert_eq!(parse_ulimit_v(" 6899920\n").unwrap(), Some(INCIDENT_BYTES));
    // No JVM starts in 0 KiB: refused, not judged.
    assert!(parse_ulimit_v("0").is_err());
}

#[test]
fn ulimit_v_units_are_binary() {
    assert_eq!(parse_ulimit_v("7G").unwrap(), Some(7 * GIB));
    assert_eq!(parse_ulimit_v("7g").unwrap(), Some(7 * GIB));
    assert_eq!(parse_ulimit_v("7GiB").unwrap(), Some(7 * GIB));
    assert_eq!(parse_ulimit_v("512M").unwrap(), Some(512 << 20));
    assert_eq!(parse_ulimit_v("6899920K").unwrap(), Some(INCIDENT_BYTES));
    assert_eq!(parse_ulimit_v("1.5T").unwrap(), Some(3 << 39));
    assert_eq!(parse_ulimit_v("unlimited").unwrap(), None);
}

#[test]
fn ulimit_v_bad_values_name_the_flag_value_and_expectation() {
    for bad in [
        "",
        "abc",
        "-1",
        "7X",
        "7 G B",
        "1.2.3G",
        "99999999999999999999",
        "G",
    ] {
        let err = parse_ulimit_v(bad).expect_err(bad);
        assert!(
            matches!(
                err,
                LimitError::BadFlag {
                    flag: "--ulimit-v",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("--ulimit-v") && msg.contains(&format!("{bad:?}")),
            "{msg}"
        );
        assert!(msg.contains("expected KiB"), "{msg}");
    }
    // One rule for every size flag: SI units are powers of 1000, IEC and single letters 1024.
    assert_eq!(parse_ulimit_v("7GB").unwrap(), Some(7_000_000_000));
    // bytesize saturates instead of failing: that must still be an error.
    assert!(parse_ulimit_v("99999999999T").is_err());
}

#[test]
fn ulimit_n_and_max_map_count_flags() {
    assert_eq!(parse_ulimit_n("100000").unwrap(), Some(100000));
    assert_eq!(parse_ulimit_n("unlimited").unwrap(), None);
    let msg = parse_ulimit_n("1e5").unwrap_err().to_string();
    assert!(
        msg.contains("--ulimit-n") && msg.contains("\"1e5\""),
        "{msg}"
    );
    assert_eq!(parse_max_map_count("262144").unwrap(), 262144);
    let msg = parse_max_map_count("0").unwrap_err().to_string();
    assert!(
        msg.contains("--max-map-count") && msg.contains("positive"),
        "{msg}"
    );
}

#[test]
fn resolve_rejects_bad_flags_before_reading_anything() {
    let h = Host::new();
    let err = resolve(&LimitInputs {
        ulimit_n: Some("lots".into()),
        pid: Some(1), // no proc/1 under the temp root: must not get that far
        ..h.inputs()
    })
    .unwrap_err();
    assert!(err.to_string().contains("--ulimit-n \"lots\""), "{err}");
}

// ---------------------------------------------------------------- /proc/PID/limits

#[test]
fn proc_limits_fixture_in_kernel_layout() {
    let path = fixture("proc-pid-limits-incident.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let (vm, nofile) = parse_proc_limits(&text, &path).unwrap();
    assert_eq!(
        (vm.soft, vm.hard),
        (Some(INCIDENT_BYTES), Some(INCIDENT_BYTES))
    );
    assert_eq!((nofile.soft, nofile.hard), (Some(100000), Some(100000)));
}

#[test]
fn pid_source_reads_proc_root_pid_limits() {
    let h = Host::new();
    let text = std::fs::read_to_string(fixture("proc-pid-limits-incident.txt")).unwrap();
    h.write("proc/4242/limits", &text);
    let l = resolve(&LimitInputs {
        pid: Some(4242),
        ..h.inputs()
    })
    .unwrap();
    let r = l.running_broker.unwrap();
    assert_eq!(r.virtual_memory.soft, Some(INCIDENT_BYTES));
    assert_eq!(r.open_files.hard, Some(100000));
    assert!(
        r.virtual_memory.source.contains("4242/limits"),
        "{}",
        r.virtual_memory.source
    );
    assert!(r.open_files.source.contains("running process 4242"));
}

#[test]
fn proc_limits_tolerates_blank_lines_and_missing_other_rows() {
    let text = "\nMax open files 1024 4096 files\n\nMax address space unlimited unlimited bytes\n";
    let (vm, nofile) = parse_proc_limits(text, Path::new("x")).unwrap();
    assert_eq!((vm.soft, vm.hard), (None, None));
    assert_eq!((nofile.soft, nofile.hard), (Some(1024), Some(4096)));
}

#[test]
fn proc_limits_errors_name_file_line_and_row() {
    let text =
        "Limit Soft Hard Units\nMax open files lots 4096 files\nMax address space 1 1 bytes\n";
    let msg = parse_proc_limits(text, Path::new("/proc/7/limits"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("/proc/7/limits:2")
            && msg.contains("Max open files")
            && msg.contains("\"lots\""),
        "{msg}"
    );
    let msg = parse_proc_limits("Max open files 1 1 files\n", Path::new("/proc/7/limits"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Max address space") && msg.contains("missing"),
        "{msg}"
    );
    // Truncated row: no soft/hard values at all.
    assert!(parse_proc_limits("Max open files\nMax address space\n", Path::new("p")).is_err());
}

#[test]
fn pid_that_does_not_exist_is_a_clear_error() {
    let h = Host::new();
    let err = resolve(&LimitInputs {
        pid: Some(999_999),
        ..h.inputs()
    })
    .unwrap_err();
    assert!(
        matches!(err, LimitError::NoSuchProcess { pid: 999_999, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("is the broker running"), "{err}");
}

// ---------------------------------------------------------------- systemd

#[test]
fn systemd_rlimit_forms() {
    assert_eq!(
        parse_systemd_rlimit("65536", false),
        Ok((Some(65536), Some(65536)))
    );
    assert_eq!(
        parse_systemd_rlimit("1024:524288", false),
        Ok((Some(1024), Some(524288)))
    );
    assert_eq!(parse_systemd_rlimit("infinity", true), Ok((None, None)));
    assert_eq!(
        parse_systemd_rlimit("8G:infinity", true),
        Ok((Some(8 * GIB), None))
    );
    assert_eq!(
        parse_systemd_rlimit("8G", true),
        Ok((Some(8 * GIB), Some(8 * GIB)))
    );
    assert_eq!(
        parse_systemd_rlimit("1.5K", true),
        Ok((Some(1536), Some(1536)))
    );
    assert_eq!(
        parse_systemd_rlimit("4096", true),
        Ok((Some(4096), Some(4096)))
    );
    // Counts take no size suffix; soft may not exceed hard; garbage is refused.
    assert!(parse_systemd_rlimit("64K", false).is_err());
    assert!(parse_systemd_rlimit("2000:1000", false).is_err());
    assert!(parse_systemd_rlimit("infinity:1000", false).is_err());
    assert!(parse_systemd_rlimit("8Q", true).is_err());
    assert!(parse_systemd_rlimit("", true).is_err());
    assert!(parse_systemd_rlimit("99999999999E", true).is_err());
}

#[test]
fn environment_words_follow_systemd_quoting() {
    let words = |v: &str| parse_environment_words(v);
    assert_eq!(
        words(r#"KAFKA_HEAP_OPTS="-Xmx6g -Xms6g" A=1"#),
        (
            vec!["KAFKA_HEAP_OPTS=-Xmx6g -Xms6g".to_string(), "A=1".into()],
            None
        )
    );
    assert_eq!(
        words(r#""KAFKA_OPTS=-Da=b -Dc=d" 'B=x y' C=a\sb D='\x41\t'"#).0,
        vec!["KAFKA_OPTS=-Da=b -Dc=d", "B=x y", "C=a b", "D=A\t"]
    );
    // systemd keeps the words before an invalid spot and ignores the rest.
    let (ok, err) = words(r#"A=1 B="unbalanced"#);
    assert_eq!(ok, vec!["A=1"]);
    assert!(err.unwrap().contains("unbalanced"));
    let (ok, err) = words(r#"A=1 B=x\ y C=3"#);
    assert_eq!(ok, vec!["A=1"]);
    assert!(err.unwrap().contains("unknown escape"));
    assert!(words("A=1\\").1.unwrap().contains("trailing backslash"));
}

#[test]
fn environment_file_follows_systemd_env_file_rules() {
    let text = "# comment\n; also a comment \\\nNOT_A_COMMENT_ANY_MORE=1\n\
                KAFKA_HEAP_OPTS = \"-Xmx6g -Xms6g\"  \n\
                KAFKA_OPTS=-Da=1 \\\n  -Db=2   \n\
                SINGLE='$HOME \\n'\n\
                MIXED=x\"y z\"w\n\
                ESC=\"a\\\"b\\$c\\d\"\n\
                EMPTY=\n\
                1BAD=x\n\
                no_equals_sign\n\
                LAST=end";
    let got = parse_env_file(text);
    let get = |k: &str| {
        got.iter()
            .find(|(key, _, _)| key == k)
            .map(|(_, v, l)| (v.as_str(), *l))
    };
    assert_eq!(get("NOT_A_COMMENT_ANY_MORE"), Some(("1", 3)));
    assert_eq!(get("KAFKA_HEAP_OPTS"), Some(("-Xmx6g -Xms6g", 4)));
    assert_eq!(get("KAFKA_OPTS"), Some(("-Da=1   -Db=2", 5)));
    assert_eq!(get("SINGLE"), Some(("$HOME \\n", 7)));
    // Quotes only count where a value starts (or right after a closing quote), as in systemd.
    assert_eq!(get("MIXED"), Some(("x\"y z\"w", 8)));
    assert_eq!(get("ESC"), Some(("a\"b$c\\d", 9)));
    assert_eq!(get("EMPTY"), Some(("", 10)));
    assert_eq!(get("1BAD"), None);
    assert_eq!(get("LAST"), Some(("end", 13)));
}

#[test]
fn unit_drop_ins_apply_in_file_name_order_across_dirs() {
    let h = Host::new();
    h.write(
        "lib/systemd/system/kafka.service",
        "[Unit]\nDescription=Kafka\n\n[Service]\nExecStart=/opt/kafka/bin/kafka-server-start.sh\nLimitNOFILE=4096\n",
    );
    // 10- is in /etc, 20- in /lib: file name decides the order, not the directory.
    h.write(
        "etc/systemd/system/kafka.service.d/10-first.conf",
        "[Service]\nLimitNOFILE=1000\n",
    );
    let later = h.write(
        "lib/systemd/system/kafka.service.d/20-second.conf",
        "[Service]\n# soft:hard\nLimitNOFILE=100000:200000\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(100000), Some(200000))
    );
    let want = format!("LimitNOFILE=100000:200000 at {}:3", later.display());
    assert_eq!(l.open_files.source, want);
}

#[test]
fn unit_drop_in_in_higher_priority_dir_masks_same_name() {
    let h = Host::new();
    h.write("usr/lib/systemd/system/kafka.service", "[Service]\n");
    h.write(
        "usr/lib/systemd/system/kafka.service.d/limits.conf",
        "[Service]\nLimitNOFILE=1111\n",
    );
    h.write(
        "etc/systemd/system/kafka.service.d/limits.conf",
        "[Service]\nLimitNOFILE=2222\n",
    );
    let l = h.unit("kafka.service");
    assert_eq!(l.open_files.soft, Some(2222));
    assert!(l
        .open_files
        .source
        .contains("etc/systemd/system/kafka.service.d/limits.conf:2"));
}

#[test]
fn template_instance_prefix_and_type_wide_drop_ins() {
    let h = Host::new();
    h.write(
        "lib/systemd/system/kafka-broker@.service",
        "[Service]\nLimitNOFILE=1000\nLimitAS=1G\n",
    );
    h.write(
        "etc/systemd/system/service.d/10-all.conf",
        "[Service]\nLimitAS=2G\n",
    );
    h.write(
        "etc/systemd/system/kafka-.service.d/20-prefix.conf",
        "[Service]\nLimitNOFILE=2000\n",
    );
    h.write(
        "etc/systemd/system/kafka-broker@.service.d/30-template.conf",
        "[Service]\nLimitNOFILE=3000\n",
    );
    // Same file name as the template's: the instance's directory is more specific and wins.
    h.write(
        "etc/systemd/system/kafka-broker@b1.service.d/30-template.conf",
        "[Service]\nLimitNOFILE=4000\n",
    );
    let l = h.unit("kafka-broker@b1");
    assert_eq!(l.open_files.soft, Some(4000));
    assert!(l
        .open_files
        .source
        .contains("kafka-broker@b1.service.d/30-template.conf"));
    assert_eq!(l.virtual_memory.soft, Some(2 * GIB));
    // Another instance gets the template's drop-in.
    assert_eq!(h.unit("kafka-broker@b2").open_files.soft, Some(3000));
}

#[test]
fn unit_found_in_etc_before_lib() {
    let h = Host::new();
    h.write(
        "lib/systemd/system/kafka.service",
        "[Service]\nLimitNOFILE=1\n",
    );
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nLimitNOFILE=2\n",
    );
    assert_eq!(h.unit("kafka").open_files.soft, Some(2));
}

#[test]
fn empty_limit_assignment_is_ignored_like_systemd_does() {
    // systemd's config_parse_rlimit has no "empty resets" branch: `LimitNOFILE=` fails to
    // parse ("Failed to parse resource value, ignoring") and the earlier value stays.
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nLimitNOFILE=65536\nLimitAS=8G\n",
    );
    let drop_in = h.write(
        "etc/systemd/system/kafka.service.d/override.conf",
        "[Service]\nLimitNOFILE=\nLimitAS=\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(65536), Some(65536))
    );
    assert_eq!(l.virtual_memory.soft, Some(8 * GIB));
    let needle = format!("{}:2: empty LimitNOFILE= ignored", drop_in.display());
    assert!(notes_mention(&l, &needle), "{:#?}", l.notes);
}

#[test]
fn unit_without_limits_gets_systemd_builtin_defaults() {
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nExecStart=/opt/kafka/bin/kafka-server-start.sh\nEnvironmentFile=relative.env\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(1024), Some(524288))
    );
    assert!(
        l.open_files
            .source
            .starts_with("systemd default (DefaultLimitNOFILE=1024:524288"),
        "{}",
        l.open_files.source
    );
    assert_eq!((l.virtual_memory.soft, l.virtual_memory.hard), (None, None));
    assert!(l.virtual_memory.source.contains("DefaultLimitAS=infinity"));
    assert!(
        notes_mention(&l, "the path must be absolute"),
        "{:#?}",
        l.notes
    );
}

#[test]
fn system_conf_defaults_apply_when_unit_sets_nothing() {
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nUser=kafka\n",
    );
    h.write(
        "etc/systemd/system.conf",
        "[Manager]\n#DefaultLimitNOFILE=1024:524288\nDefaultLimitNOFILE=8192:16384\nDefaultLimitAS=6G\n",
    );
    h.write(
        "etc/systemd/system.conf.d/50-as.conf",
        "[Manager]\nDefaultLimitAS=7G\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(8192), Some(16384))
    );
    assert!(
        l.open_files.source.contains("system.conf:3"),
        "{}",
        l.open_files.source
    );
    assert_eq!(l.virtual_memory.soft, Some(7 * GIB));
    assert!(
        l.virtual_memory.source.contains("50-as.conf:2"),
        "{}",
        l.virtual_memory.source
    );
}

#[test]
fn limit_as_forms_and_nofile_infinity_capped_at_nr_open() {
    let h = Host::new();
    h.write("proc/sys/fs/nr_open", "2097152\n");
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nLimitAS=6G:infinity\nLimitNOFILE=infinity\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        (l.virtual_memory.soft, l.virtual_memory.hard),
        (Some(6 * GIB), None)
    );
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(2097152), Some(2097152))
    );
    assert!(
        l.open_files.source.contains("fs.nr_open = 2097152"),
        "{}",
        l.open_files.source
    );
}

#[test]
fn only_the_service_section_counts_and_bad_values_are_ignored_with_a_note() {
    let h = Host::new();
    let unit = h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nLimitNOFILE=50000\nLimitNOFILE=50k\n\n[Install]\nLimitNOFILE=7\nWantedBy=multi-user.target\n",
    );
    let l = h.unit("kafka");
    assert_eq!(l.open_files.soft, Some(50000));
    let needle = format!("{}:3: LimitNOFILE=\"50k\" ignored", unit.display());
    assert!(notes_mention(&l, &needle), "{:#?}", l.notes);
}

#[test]
fn environment_and_environment_file_give_heap_and_jvm_opts() {
    let h = Host::new();
    let env_file = h.write(
        "etc/kafka/kafka.env",
        "# from the package\nKAFKA_OPTS=\"-javaagent:/opt/jmx.jar -XX:-MaxFDLimit\"\n",
    );
    h.write(
        "etc/systemd/system/kafka.service",
        &format!(
            "[Service]\nEnvironment=KAFKA_HEAP_OPTS=\"-Xmx6g -Xms6g\" KAFKA_OPTS=-Dshadowed=1\n\
             Environment=\"KAFKA_JVM_PERFORMANCE_OPTS=-server -XX:+UseG1GC\"\n\
             EnvironmentFile={}\nEnvironmentFile=-/nonexistent/optional.env\n",
            env_file.display()
        ),
    );
    let l = h.unit("kafka");
    assert_eq!(l.heap_opts_from_unit.as_deref(), Some("-Xmx6g -Xms6g"));
    // EnvironmentFile= overrides Environment=; performance opts come first, as in kafka-run-class.sh.
    assert_eq!(
        l.jvm_opts_from_unit.as_deref(),
        Some("-Xmx6g -Xms6g -server -XX:+UseG1GC -javaagent:/opt/jmx.jar -XX:-MaxFDLimit")
    );
    assert!(!notes_mention(&l, "optional.env"), "{:#?}", l.notes);
    assert_eq!(
        l.unit_environment.get("KAFKA_OPTS").map(String::as_str),
        Some("-javaagent:/opt/jmx.jar -XX:-MaxFDLimit")
    );
}

#[test]
fn jvm_opts_follow_the_order_the_jvm_reads_them() {
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nEnvironment=_JAVA_OPTIONS=-XX:+MaxFDLimit KAFKA_OPTS=-XX:-MaxFDLimit \
         JAVA_TOOL_OPTIONS=-Dt=1 KAFKA_HEAP_OPTS=-Xmx1g UNRELATED=x\n",
    );
    let l = h.unit("kafka");
    assert_eq!(
        l.jvm_opts_from_unit.as_deref(),
        Some("-Dt=1 -Xmx1g -XX:-MaxFDLimit -XX:+MaxFDLimit")
    );
    assert!(!l.unit_environment.contains_key("UNRELATED"));
}

#[test]
fn environment_reset_and_missing_required_environment_file() {
    let h = Host::new();
    h.write(
        "etc/systemd/system/kafka.service",
        "[Service]\nEnvironment=KAFKA_HEAP_OPTS=-Xmx1g\nEnvironmentFile=/nonexistent/kafka.env\n",
    );
    h.write(
        "etc/systemd/system/kafka.service.d/override.conf",
        "[Service]\nEnvironment=\nEnvironment=KAFKA_OPTS=-Da=1\n",
    );
    let l = h.unit("kafka");
    assert_eq!(l.heap_opts_from_unit, None);
    assert_eq!(l.jvm_opts_from_unit.as_deref(), Some("-Da=1"));
    assert!(
        notes_mention(&l, "systemd will refuse to start"),
        "{:#?}",
        l.notes
    );
}

#[test]
fn unit_by_path_reads_drop_ins_next_to_it_and_continuation_lines() {
    let h = Host::new();
    let unit = h.write(
        "srv/units/confluent-kafka.service",
        "[Service]\nEnvironment=KAFKA_HEAP_OPTS=-Xmx4g \\\n  KAFKA_OPTS=-Dx=1\nLimitNOFILE=10\n",
    );
    h.write(
        "srv/units/confluent-kafka.service.d/a.conf",
        "[Service]\nLimitNOFILE=20\n",
    );
    let l = h.unit(unit.to_str().unwrap());
    assert_eq!(l.heap_opts_from_unit.as_deref(), Some("-Xmx4g"));
    assert_eq!(l.jvm_opts_from_unit.as_deref(), Some("-Xmx4g -Dx=1"));
    assert_eq!(l.open_files.soft, Some(20));
    assert!(notes_mention(&l, "ignore /etc/security/limits.conf"));
}

#[test]
fn missing_unit_lists_where_it_looked() {
    let h = Host::new();
    let err = resolve(&LimitInputs {
        systemd_unit: Some("kafka".into()),
        ..h.inputs()
    })
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("kafka.service") && msg.contains("usr/lib/systemd/system"),
        "{msg}"
    );
}

// ---------------------------------------------------------------- limits.conf

fn pam_host() -> Host {
    let h = Host::new();
    h.write(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nkafka:x:990:985::/home/kafka:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n",
    );
    h.write(
        "etc/group",
        "root:x:0:\nkafka:x:985:\nstreaming:x:986:bob,kafka\nbob:x:1000:\n",
    );
    h
}

fn pam(h: &Host, user: &str) -> Limits {
    resolve(&LimitInputs {
        user: Some(user.into()),
        ..h.inputs()
    })
    .unwrap()
}

#[test]
fn limits_conf_user_beats_group_beats_wildcard_and_later_files_override() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "# <domain> <type> <item> <value>\n\
         *          soft  nofile  1024\n\
         *          hard  nofile  4096\n\
         @kafka     soft  nofile  50000   # primary group, via /etc/passwd\n\
         kafka      hard  nofile  100000\n\
         kafka      soft  as      1000\n",
    );
    let d = h.write(
        "etc/security/limits.d/90-wild.conf",
        "* hard nofile 999\n@streaming - as unlimited\nkafka soft as 6899920\n",
    );
    h.write("etc/security/limits.d/10-ignored.txt", "kafka - nofile 1\n");
    let l = pam(&h, "kafka");
    // A later `*` line cannot override the user's hard limit; the @group line beats `*` for soft.
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(50000), Some(100000))
    );
    // Same specificity (user): the later file wins. The group's `-` line sets hard.
    assert_eq!(l.virtual_memory.soft, Some(INCIDENT_BYTES));
    assert_eq!(l.virtual_memory.hard, None);
    assert!(
        l.virtual_memory
            .source
            .contains(&format!("{}:3", d.display())),
        "{}",
        l.virtual_memory.source
    );
    assert!(notes_mention(&l, "applies only to PAM sessions"));
}

#[test]
fn limits_conf_supplementary_group_and_other_users_lines() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "@streaming - nofile 30000\nkafka - nofile 1\n@kafka - nofile 2\n",
    );
    let l = pam(&h, "bob");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(30000), Some(30000))
    );
}

#[test]
fn limits_conf_unlimited_nofile_becomes_nr_open_and_bad_lines_are_noted() {
    let h = pam_host();
    h.write("proc/sys/fs/nr_open", "1048576\n");
    h.write(
        "etc/security/limits.conf",
        "kafka - nofile unlimited\nkafka soft as lots\nkafka maybe as 1\nkafka soft\n",
    );
    let l = pam(&h, "kafka");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(1048576), Some(1048576))
    );
    assert!(
        notes_mention(&l, "limits.conf:2: value \"lots\" ignored"),
        "{:#?}",
        l.notes
    );
    assert!(
        notes_mention(&l, "limits.conf:3: type \"maybe\" ignored"),
        "{:#?}",
        l.notes
    );
}

#[test]
fn limits_conf_half_not_set_is_inherited_from_this_shell() {
    let h = pam_host();
    h.write("etc/security/limits.conf", "kafka soft nofile 12345\n");
    let l = pam(&h, "kafka");
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
    let hard = (r.rlim_max != libc::RLIM_INFINITY).then_some(r.rlim_max);
    // A hard limit below 12345 (some CI hosts) pulls the soft one down, as pam_limits would.
    let soft = hard.map_or(12345, |h| h.min(12345));
    assert_eq!((l.open_files.soft, l.open_files.hard), (Some(soft), hard));
    assert!(
        l.open_files.source.contains("hard: not set"),
        "{}",
        l.open_files.source
    );
}

#[test]
fn root_gets_group_and_wildcard_lines_as_upstream_pam_does() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "* - nofile 4000\nroot soft nofile 8000\n",
    );
    let l = pam(&h, "root");
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(4000), Some(4000))
    );
    assert!(
        notes_mention(&l, "Debian and Ubuntu patch pam_limits"),
        "{:#?}",
        l.notes
    );
}

#[test]
fn uid_and_gid_ranges() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "900:999 soft nofile 11111\n1000: - nofile 22222\n@980:990 hard nofile 33333\n\
         @:986 - as 1\n:990 hard nofile 44444\nx:y - nofile 1\n",
    );
    // kafka: uid 990, primary gid 985, member of 986 (streaming).
    let l = pam(&h, "kafka");
    assert_eq!(l.open_files.soft, Some(11111));
    // `:990` (a user line) beats `@980:990` (a group line), even though it comes later.
    assert_eq!(l.open_files.hard, Some(44444));
    // An exact gid matches supplementary groups too.
    assert_eq!(l.virtual_memory.soft, Some(1024));
    assert!(
        notes_mention(&l, "invalid uid/gid range \"x:y\""),
        "{:#?}",
        l.notes
    );
    let bob = pam(&h, "bob");
    assert_eq!(bob.open_files.soft, Some(22222));
}

#[test]
fn no_limits_line_discards_everything() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "kafka - nofile 5000\n@kafka -\n",
    );
    h.write("etc/security/limits.d/99.conf", "kafka - as 100\n");
    let l = pam(&h, "kafka");
    assert!(
        l.open_files.source.starts_with("this shell"),
        "{}",
        l.open_files.source
    );
    assert!(l.virtual_memory.source.starts_with("this shell"));
    assert!(
        notes_mention(&l, "means no limits for kafka"),
        "{:#?}",
        l.notes
    );
    // `* -` is not a no-limits line for pam_limits.
    h.write("etc/security/limits.conf", "kafka - nofile 5000\n* -\n");
    assert_eq!(pam(&h, "kafka").open_files.soft, Some(5000));
}

#[test]
fn values_are_read_like_pam_limits_does() {
    let h = pam_host();
    h.write(
        "etc/security/limits.conf",
        "kafka SOFT NOFILE 4096k\nkafka hard nofile 2048\nkafka - as Unlimited\n",
    );
    let l = pam(&h, "kafka");
    // Soft above hard: lowered to the hard limit.
    assert_eq!(
        (l.open_files.soft, l.open_files.hard),
        (Some(2048), Some(2048))
    );
    assert!(l.open_files.source.contains("soft lowered to hard"));
    assert!(notes_mention(&l, "read as 4096"), "{:#?}", l.notes);
    assert_eq!((l.virtual_memory.soft, l.virtual_memory.hard), (None, None));
}

#[test]
fn user_unknown_to_passwd_is_noted() {
    let h = pam_host();
    h.write("etc/security/limits.conf", "* - nofile 4000\n");
    let l = pam(&h, "ldapuser");
    assert_eq!(l.open_files.soft, Some(4000));
    assert!(
        notes_mention(&l, "user ldapuser not found"),
        "{:#?}",
        l.notes
    );
}
