// The simulation classes run one at a time: each drives its nodes with a virtual clock and measures cycles per minute;
// side by side they would only compete for the two cores. (Two runs in one test host used to crash it: abandoned
// runtimes leaked through their META writer threads; SimNode.Abandon releases them.)
[assembly: CollectionBehavior(DisableTestParallelization = true)]
