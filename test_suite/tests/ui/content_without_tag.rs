use extract::Extract;

#[derive(Extract)]
#[serde(content = "c")]
enum Shape {
    Circle { radius: f64 },
    Empty,
}

fn main() {}
