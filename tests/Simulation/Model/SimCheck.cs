using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Talos.Simulation.Tests.Model;

/// <summary>A sequence broke an invariant or the model (FsCheck reports it and shrinks the sequence).</summary>
public sealed class SequenceFailedException(string message) : Exception(message);

/// <summary>
/// FsCheck over simulated sequences. FsCheck's runner is synchronous, and blocking the simulated CPU (the thread pool's
/// one worker, <see cref="SimScheduler"/>) would stall the node it waits for; so the runner gets its own thread, which
/// blocks, and every evaluation of the property runs on the simulated CPU (the pool), one at a time.
/// </summary>
public static class SimCheck
{
    /// <summary>FsCheck's config for a replayable run: <paramref name="seed"/> fixes every generated sequence.</summary>
    public static Config Config(ulong seed, int maxTest) => FsCheck.Config.QuickThrowOnFailure
        .WithMaxTest(maxTest)
        .WithQuietOnSuccess(true)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));

    /// <summary>
    /// Checks that <paramref name="run"/> passes for generated sequences; <paramref name="seen"/> observes every evaluation
    /// (in order: generated ones, then shrink candidates). Returns FsCheck's failure report, or null when every test passed.
    /// </summary>
    public static Task<string?> CheckAsync(Config config, Func<ModelOp[], Task<SequenceResult>> run, Action<ModelOp[], SequenceResult>? seen = null)
    {
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Check.One(config, Prop.ForAll(SequenceShrinker.Arbitrary(), (ModelOp[] ops) =>
                {
                    var r = Task.Run(() => run(ops)).GetAwaiter().GetResult();
                    seen?.Invoke(ops, r);
                    if (r.Failure is not null) throw new SequenceFailedException(r.Failure);
                }));
                done.SetResult(null);
            }
            catch (Exception e) { done.SetResult(e.Message); }
        }) { IsBackground = true, Name = "fscheck-runner" };
        thread.Start();
        return done.Task;
    }

    /// <summary>A sequence as one line.</summary>
    public static string Show(IEnumerable<ModelOp> ops) => "[" + string.Join(", ", ops.Select(o => o.ToString())) + "]";
}
