use extract::Extract;

#[derive(Extract)]
union Number {
    int: u32,
    float: f32,
}

fn main() {}
