// The simulated nodes share the thread pool and a virtual clock driver each; running two simulations side by side
// crashed the test host (cause not found yet), so the simulation classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
