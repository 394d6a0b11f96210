//! What the cycle tells its caller while it runs: progress of long work, each step's result
//! as soon as it is known (to print it), and each ledger write (a hook for fault-injection
//! tests). The cycle itself never prints.

use crate::finance_step::FinanceStep;
use crate::result::{BenefitStep, ComputeStep, IndexStep, RegistryStep, SupervisionStep};
use crate::scenario_step::ScenarioStep;
use crate::step::Step;

/// A step's result, handed to [`Observer::step_done`].
#[derive(Debug, Clone, Copy)]
pub enum StepDone<'a> {
    /// Step 1.
    Registry(&'a RegistryStep),
    /// Step 2.
    Benefits(&'a BenefitStep),
    /// Step 3.
    Compute(&'a ComputeStep),
    /// Step 4.
    Supervision(&'a SupervisionStep),
    /// Step 5.
    Index(&'a IndexStep),
    /// Step 6.
    Scenarios(&'a ScenarioStep),
    /// Step 7.
    Finance(&'a FinanceStep),
}

/// Receives the cycle's progress. Every method has an empty default.
pub trait Observer {
    /// A step begins.
    fn step_started(&mut self, _step: Step) {}
    /// A piece of long work begins: `label` for people, `total` units when known.
    fn begin(&mut self, _label: &str, _total: Option<u64>) {}
    /// `units` more units of the current work are done.
    fn advance(&mut self, _units: u64) {}
    /// The current work is done.
    fn end(&mut self) {}
    /// A step finished with this result.
    fn step_done(&mut self, _result: StepDone<'_>) {}
    /// The `writes`-th ledger request of `step` was just made (inside a group that is not
    /// yet committed). Recovery tests abort the process here.
    fn ledger_write(&mut self, _step: Step, _writes: usize) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}
