fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&a[1]).unwrap()).unwrap();
    let f = spikeforge_fpga::ecp5_outreg::fold_outregs(&mut v);
    eprintln!("folded {} ports", f.ports_folded);
    std::fs::write(&a[2], serde_json::to_vec(&v).unwrap()).unwrap();
}
