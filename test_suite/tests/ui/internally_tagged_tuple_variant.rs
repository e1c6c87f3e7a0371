use extract::Extract;

#[derive(Extract)]
#[serde(tag = "type")]
enum Shape {
    Circle { radius: f64 },
    Segment(f64, f64),
}

fn main() {}
