fn main() {
    println!("kafka-preflight: under construction");
}
