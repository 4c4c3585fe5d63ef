//! xorshift64: a tiny deterministic generator, so that tests and benchmarks use no OS
//! randomness. Shared through `#[path]` by `tests/long_stream.rs`, `benches/engine.rs` and the unit tests
//! of `src/exposure.rs`.

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
