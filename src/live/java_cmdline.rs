//! A `java` command line split the way the launcher reads it: JVM options, the class path, the
//! main class (or jar, or module), then the program's arguments. Telling a broker from any other
//! process depends on which word is the main class, not on `kafka.Kafka` appearing somewhere.

/// What the launcher runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    Class(String),
    Jar(String),
    Module(String),
    /// Options only (`java -version`), or an @argfile we do not expand.
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaCommand {
    /// Every option before the main class, in order (later ones win in HotSpot).
    pub options: Vec<String>,
    /// The last `-cp`/`-classpath`/`--class-path` value (the launcher keeps the last).
    pub classpath: Option<String>,
    pub launch: Launch,
    pub args: Vec<String>,
}

/// Launcher options whose value is the next word (java(1), JDK 8-21).
const TAKES_VALUE: [&str; 12] = [
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--upgrade-module-path",
    "--add-modules",
    "--limit-modules",
    "--add-reads",
    "--add-exports",
    "--add-opens",
    "--patch-module",
];

/// argv[0]'s base name: `java` for the launcher (a full path or not).
pub fn exe_name(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}

/// `None` when argv[0] is not the java launcher.
pub fn parse(argv: &[String]) -> Option<JavaCommand> {
    let (argv0, rest) = argv.split_first()?;
    if exe_name(argv0) != "java" {
        return None;
    }
    let mut cmd = JavaCommand {
        options: Vec::new(),
        classpath: None,
        launch: Launch::Nothing,
        args: Vec::new(),
    };
    let mut words = rest.iter();
    while let Some(w) = words.next() {
        let w = w.as_str();
        if let Some(v) = w.strip_prefix("--class-path=") {
            cmd.classpath = Some(v.to_string());
        } else if TAKES_VALUE.contains(&w) {
            let v = words.next().cloned().unwrap_or_default();
            if matches!(w, "-cp" | "-classpath" | "--class-path") {
                cmd.classpath = Some(v);
            } else {
                cmd.options.push(w.to_string());
                cmd.options.push(v);
            }
        } else if w == "-jar" {
            cmd.launch = words
                .next()
                .map_or(Launch::Nothing, |j| Launch::Jar(j.clone()));
            break;
        } else if w == "-m" || w == "--module" {
            cmd.launch = words
                .next()
                .map_or(Launch::Nothing, |m| Launch::Module(m.clone()));
            break;
        } else if let Some(m) = w.strip_prefix("--module=") {
            cmd.launch = Launch::Module(m.to_string());
            break;
        } else if w.starts_with('-') || w.starts_with('@') {
            cmd.options.push(w.to_string());
        } else {
            cmd.launch = Launch::Class(w.to_string());
            break;
        }
    }
    cmd.args = words.cloned().collect();
    Some(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn the_main_class_is_the_first_word_that_is_not_an_option_or_its_value() {
        let c = parse(&words(
            "/usr/bin/java -Xmx6g -cp /opt/kafka/libs/* -Dkafka.logs.dir=/x kafka.Kafka /etc/kafka/server.properties",
        ))
        .unwrap();
        assert_eq!(c.launch, Launch::Class("kafka.Kafka".into()));
        assert_eq!(c.classpath.as_deref(), Some("/opt/kafka/libs/*"));
        assert_eq!(c.options, ["-Xmx6g", "-Dkafka.logs.dir=/x"]);
        assert_eq!(c.args, ["/etc/kafka/server.properties"]);
    }

    #[test]
    fn a_class_name_inside_an_option_or_a_value_is_not_the_main_class() {
        let c = parse(&words(
            "java -Dmain=kafka.Kafka --add-opens java.base/kafka.Kafka=ALL -cp kafka.Kafka org.apache.zookeeper.server.quorum.QuorumPeerMain kafka.Kafka",
        ))
        .unwrap();
        assert_eq!(
            c.launch,
            Launch::Class("org.apache.zookeeper.server.quorum.QuorumPeerMain".into())
        );
        assert_eq!(c.args, ["kafka.Kafka"]);
        assert_eq!(
            parse(&words("java -jar zookeeper.jar kafka.Kafka"))
                .unwrap()
                .launch,
            Launch::Jar("zookeeper.jar".into())
        );
        assert_eq!(
            parse(&words("java --class-path=a:b -version")).unwrap(),
            JavaCommand {
                options: vec!["-version".into()],
                classpath: Some("a:b".into()),
                launch: Launch::Nothing,
                args: vec![],
            }
        );
    }

    #[test]
    fn only_the_java_launcher_is_a_jvm() {
        assert!(parse(&words("sleep 60")).is_none());
        assert!(parse(&words("grep kafka.Kafka")).is_none());
        assert!(parse(&[]).is_none());
        assert!(parse(&words("/opt/jdk-17/bin/java kafka.Kafka")).is_some());
    }
}
