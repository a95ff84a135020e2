//! The accelerator's register catalog (docs/accelerator.md §8–9): the global registers, the
//! fields of a stage descriptor and the performance counters — each defined once, here, with
//! its name, address or width, and meaning. The generator's decode and register names, the
//! manifest, the co-simulation driver, the golden model's counter list and the tables of
//! docs/accelerator.md (checked by a test) all come from it.

/// Address of field `f` of stage `s`: `STAGE_BASE + STAGE_STRIDE·s + f`.
pub const STAGE_BASE: u64 = 0x100;
/// Address distance between two stages' descriptors (room for 32 fields).
pub const STAGE_STRIDE: u64 = 32;
/// Stage descriptors the register map has room for (`0x100 ..= 0x2FF`).
pub const MAX_STAGES: u64 = 16;
/// Address of counter `i`'s low word: `COUNTER_BASE + 2i` (the high word at `+ 1`).
pub const COUNTER_BASE: u64 = 0x400;
/// Width of every stage field that is a count or an index (bits).
pub const COUNT_FIELD_BITS: u32 = 24;

/// Register address of field `f` of stage `s`.
pub const fn stage_field_address(s: u64, f: StageField) -> u64 {
    STAGE_BASE + STAGE_STRIDE * s + f as u64
}

/// Register address of the low word of counter `c` (the high word is at `+ 1`).
pub const fn counter_address(c: Counter) -> u64 {
    COUNTER_BASE + 2 * c as u64
}

/// How a global register may be accessed by the host. The configuration registers are
/// write-only: reading them back would cost a read multiplexer the host never needs (it wrote
/// them), so only STATUS, EXIT_T, PREDICTION and the counters read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Write only (reads return 0).
    Write,
}

impl Access {
    /// `r` or `w`, as in the tables.
    pub const fn code(self) -> &'static str {
        match self {
            Access::Read => "r",
            Access::Write => "w",
        }
    }
}

/// A global register (docs/accelerator.md §8); its discriminant is not its address (see
/// [`Register::address`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Register {
    Ctrl,
    Status,
    ExitT,
    Prediction,
    NumStages,
    Timesteps,
    TickBatch,
    ThetaQ,
    Rlnk,
    FracBits,
    NumClasses,
    MemWords,
}

impl Register {
    /// Every global register, by address.
    pub const ALL: [Register; 12] = [
        Register::Ctrl,
        Register::Status,
        Register::ExitT,
        Register::Prediction,
        Register::NumStages,
        Register::Timesteps,
        Register::TickBatch,
        Register::ThetaQ,
        Register::Rlnk,
        Register::FracBits,
        Register::NumClasses,
        Register::MemWords,
    ];

    /// (address, name, access, meaning).
    const fn info(self) -> (u64, &'static str, Access, &'static str) {
        use Access::*;
        match self {
            Register::Ctrl => (
                0x000,
                "CTRL",
                Write,
                "bit 0: start (pulse); bit 1: trace enable",
            ),
            Register::Status => (0x001, "STATUS", Read, "bit 0 busy, bit 1 done"),
            Register::ExitT => (0x002, "EXIT_T", Read, "exit timestep (1-based)"),
            Register::Prediction => (0x003, "PREDICTION", Read, "argmax class"),
            Register::NumStages => (0x004, "NUM_STAGES", Write, "hidden layers + 1"),
            Register::Timesteps => (0x005, "TIMESTEPS", Write, "T"),
            Register::TickBatch => (0x006, "TICK_BATCH", Write, "B (1 ≤ B ≤ min(T, B_max))"),
            Register::ThetaQ => (0x007, "THETA_Q", Write, "`round(θ_H·2^16)`"),
            Register::Rlnk => (0x008, "RLNK", Write, "`round(2^16/ln K)`"),
            Register::FracBits => (0x009, "FRAC_BITS", Write, "logit fraction bits"),
            Register::NumClasses => (0x00A, "NUM_CLASSES", Write, "K"),
            Register::MemWords => (
                0x00B,
                "MEM_WORDS",
                Write,
                "membrane words to clear at start (Σ over hidden layers of `P·n_ctb`)",
            ),
        }
    }

    /// The register's address.
    pub const fn address(self) -> u64 {
        self.info().0
    }

    /// Its name (`THETA_Q`).
    pub const fn name(self) -> &'static str {
        self.info().1
    }

    /// How the host may access it.
    pub const fn access(self) -> Access {
        self.info().2
    }

    /// What it holds.
    pub const fn meaning(self) -> &'static str {
        self.info().3
    }
}

/// How wide a stage field's register is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldWidth {
    /// A count or index: [`COUNT_FIELD_BITS`] bits.
    Count,
    /// A signed membrane value: `membrane_bits`.
    Membrane,
    /// A membrane-buffer address: `⌈log2 membrane_words⌉` bits.
    MembraneAddress,
    /// A fixed number of bits.
    Bits(u32),
}

impl FieldWidth {
    /// The width in bits for the given membrane width and membrane-buffer address width.
    pub fn bits(self, membrane_bits: u32, membrane_address_bits: u32) -> u32 {
        match self {
            FieldWidth::Count => COUNT_FIELD_BITS,
            FieldWidth::Membrane => membrane_bits,
            FieldWidth::MembraneAddress => membrane_address_bits,
            FieldWidth::Bits(b) => b,
        }
    }

    /// The width as the docs state it.
    pub fn describe(self) -> String {
        match self {
            FieldWidth::Count => format!("{COUNT_FIELD_BITS}"),
            FieldWidth::Membrane => "membrane_bits".into(),
            FieldWidth::MembraneAddress => "⌈log2 membrane_words⌉".into(),
            FieldWidth::Bits(b) => format!("{b}"),
        }
    }
}

/// A field of a stage descriptor (docs/accelerator.md §8); its discriminant is its field
/// number `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum StageField {
    C,
    H,
    W,
    M,
    R,
    S,
    Stride,
    Pad,
    E,
    F,
    N,
    NRt,
    NCt,
    P,
    Theta,
    NCtb,
    MembraneBase,
    CgCount,
    Groups,
    LastGroup,
    IsClassifier,
    NCtbP,
    Pool,
    PooledE,
    PooledF,
    PooledP,
    NCtbPp,
}

impl StageField {
    /// Every field, by field number.
    pub const ALL: [StageField; 27] = [
        StageField::C,
        StageField::H,
        StageField::W,
        StageField::M,
        StageField::R,
        StageField::S,
        StageField::Stride,
        StageField::Pad,
        StageField::E,
        StageField::F,
        StageField::N,
        StageField::NRt,
        StageField::NCt,
        StageField::P,
        StageField::Theta,
        StageField::NCtb,
        StageField::MembraneBase,
        StageField::CgCount,
        StageField::Groups,
        StageField::LastGroup,
        StageField::IsClassifier,
        StageField::NCtbP,
        StageField::Pool,
        StageField::PooledE,
        StageField::PooledF,
        StageField::PooledP,
        StageField::NCtbPp,
    ];

    /// (name, width, meaning).
    const fn info(self) -> (&'static str, FieldWidth, &'static str) {
        use FieldWidth::*;
        use StageField::*;
        match self {
            C => ("C", Count, "input channels"),
            H => ("H", Count, "input height"),
            W => ("W", Count, "input width"),
            M => ("M", Count, "output channels K"),
            R => ("R", Count, "kernel rows"),
            S => ("S", Count, "kernel columns"),
            Stride => ("stride", Count, "stride"),
            Pad => ("pad", Count, "padding"),
            E => (
                "E",
                Count,
                "output height (accepted and ignored: P and F imply it)",
            ),
            F => ("F", Count, "output width"),
            N => ("N", Count, "reduction length C·R·S"),
            NRt => ("n_rt", Count, "row tiles `⌈N/rows⌉`"),
            NCt => ("n_ct", Count, "column tiles `⌈M/cols⌉`"),
            P => ("P", Count, "output positions E·F"),
            Theta => ("theta", Membrane, "θ (hidden stages; two's complement)"),
            NCtb => ("n_ctb", Count, "LIF lane blocks `⌈(M/n)/cols⌉`"),
            MembraneBase => (
                "membrane_base",
                MembraneAddress,
                "first membrane word of the stage",
            ),
            CgCount => ("cg_count", Count, "channel groups `⌈C/cols⌉`"),
            Groups => ("groups", Count, "row-tile groups G"),
            LastGroup => ("last_group", Bits(16), "last group size `n_rt − (G−1)·D`"),
            IsClassifier => ("is_classifier", Bits(1), "1 for the classifier stage"),
            NCtbP => (
                "n_ctb_p",
                Count,
                "`n_ctb·P`: the LIF phase's psum-row step from one lane group to the next",
            ),
            Pool => (
                "pool",
                Bits(4),
                "spike pooling window and stride k, 1..=8 (1: none; hidden stages)",
            ),
            PooledE => ("pooled_e", Count, "pooled output height E' = ⌊E/k⌋"),
            PooledF => ("pooled_f", Count, "pooled output width F' = ⌊F/k⌋"),
            PooledP => (
                "pooled_p",
                Count,
                "pooled output positions P' = E'·F' (the output spike words' positions)",
            ),
            NCtbPp => (
                "n_ctb_pp",
                Count,
                "`n_ctb·P'`: the LIF phase's output-row step from one lane group to the next",
            ),
        }
    }

    /// The field number `f`.
    pub const fn index(self) -> u32 {
        self as u32
    }

    /// Its name (`theta`), used in the manifest and in Verilog (`stage0_theta`).
    pub const fn name(self) -> &'static str {
        self.info().0
    }

    /// How wide its register is.
    pub const fn width(self) -> FieldWidth {
        self.info().1
    }

    /// What it holds.
    pub const fn meaning(self) -> &'static str {
        self.info().2
    }
}

/// A 64-bit performance counter (docs/accelerator.md §9); its discriminant is its index `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Counter {
    Cycles,
    ArrayCycles,
    LifCycles,
    ClassifyCycles,
    EntropyCycles,
    PerformedAcc,
    GatedAcc,
    WeightBufferReads,
    WeightBufferWrites,
    WeightSpadReads,
    WeightSpadWrites,
    InputSpikeReads,
    InputSpikeWrites,
    OutputSpikeWrites,
    ColumnAccReads,
    ColumnAccWrites,
    PsumBufferReads,
    PsumBufferWrites,
    MembraneReads,
    MembraneWrites,
    LifSteps,
    ClassifierUpdates,
    EntropyEvaluations,
    ExtReadBits,
    ExtWriteBits,
}

impl Counter {
    /// Number of counters.
    pub const COUNT: usize = 25;

    /// Every counter, by index.
    pub const ALL: [Counter; Counter::COUNT] = [
        Counter::Cycles,
        Counter::ArrayCycles,
        Counter::LifCycles,
        Counter::ClassifyCycles,
        Counter::EntropyCycles,
        Counter::PerformedAcc,
        Counter::GatedAcc,
        Counter::WeightBufferReads,
        Counter::WeightBufferWrites,
        Counter::WeightSpadReads,
        Counter::WeightSpadWrites,
        Counter::InputSpikeReads,
        Counter::InputSpikeWrites,
        Counter::OutputSpikeWrites,
        Counter::ColumnAccReads,
        Counter::ColumnAccWrites,
        Counter::PsumBufferReads,
        Counter::PsumBufferWrites,
        Counter::MembraneReads,
        Counter::MembraneWrites,
        Counter::LifSteps,
        Counter::ClassifierUpdates,
        Counter::EntropyEvaluations,
        Counter::ExtReadBits,
        Counter::ExtWriteBits,
    ];

    /// (name, meaning).
    const fn info(self) -> (&'static str, &'static str) {
        use Counter::*;
        match self {
            Cycles => (
                "cycles",
                "cycles of the array, LIF, classify and entropy phases",
            ),
            ArrayCycles => ("array_cycles", "array phase cycles"),
            LifCycles => ("lif_cycles", "LIF phase cycles"),
            ClassifyCycles => ("classify_cycles", "classify phase cycles"),
            EntropyCycles => ("entropy_cycles", "entropy phase cycles"),
            PerformedAcc => ("performed_acc", "performed accumulates"),
            GatedAcc => ("gated_acc", "gated accumulates (zero spikes)"),
            WeightBufferReads => ("weight_buffer_reads", "weight buffer reads"),
            WeightBufferWrites => ("weight_buffer_writes", "weight buffer writes"),
            WeightSpadReads => (
                "weight_spad_reads",
                "weight scratchpad reads (= performed accumulates)",
            ),
            WeightSpadWrites => ("weight_spad_writes", "weight scratchpad writes"),
            InputSpikeReads => ("input_spike_reads", "input-spike buffer reads"),
            InputSpikeWrites => ("input_spike_writes", "input-spike buffer writes"),
            OutputSpikeWrites => ("output_spike_writes", "output-spike buffer writes"),
            ColumnAccReads => ("column_acc_reads", "column-accumulator reads"),
            ColumnAccWrites => ("column_acc_writes", "column-accumulator writes"),
            PsumBufferReads => ("psum_buffer_reads", "psum buffer reads"),
            PsumBufferWrites => ("psum_buffer_writes", "psum buffer writes"),
            MembraneReads => ("membrane_reads", "membrane buffer reads"),
            MembraneWrites => ("membrane_writes", "membrane buffer writes"),
            LifSteps => ("lif_steps", "LIF steps"),
            ClassifierUpdates => ("classifier_updates", "classifier updates"),
            EntropyEvaluations => ("entropy_evaluations", "entropy evaluations"),
            ExtReadBits => ("ext_read_bits", "bits read from external memory"),
            ExtWriteBits => ("ext_write_bits", "bits written to external memory"),
        }
    }

    /// The counter index `i`.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Its name (`performed_acc`), as in the manifest, the reports and the golden model.
    pub const fn name(self) -> &'static str {
        self.info().0
    }

    /// What it counts.
    pub const fn meaning(self) -> &'static str {
        self.info().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_in_index_order_and_names_unique() {
        for (i, f) in StageField::ALL.iter().enumerate() {
            assert_eq!(f.index() as usize, i);
        }
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
        let mut addrs: Vec<u64> = Register::ALL.iter().map(|r| r.address()).collect();
        let sorted = {
            let mut s = addrs.clone();
            s.sort();
            s
        };
        assert_eq!(addrs, sorted, "registers listed by address");
        addrs.dedup();
        assert_eq!(addrs.len(), Register::ALL.len());
        assert!(StageField::ALL.len() as u64 <= STAGE_STRIDE);
        let mut names: Vec<&str> = StageField::ALL.iter().map(|f| f.name()).collect();
        names.extend(Counter::ALL.iter().map(|c| c.name()));
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
