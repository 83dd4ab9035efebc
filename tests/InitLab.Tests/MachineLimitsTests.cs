namespace InitLab.Tests;

public class MachineLimitsTests
{
    // acc = fma(acc, x, y) from 0.1, steps times, in float: what each of the 12 x lanes accumulators of a thread holds.
    private static float Accumulator(long steps)
    {
        float a = 0.1f;
        for (long i = 0; i < steps; i++) a = MathF.FusedMultiplyAdd(a, 0.999999f, 1e-7f);
        return a;
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(1000L, 1)]
    [InlineData(1001L, 2)]
    [InlineData(7L, 3)]
    public void The_fma_loop_runs_every_step_of_every_accumulator_on_every_thread(long steps, int threads)
    {
        // Thread t runs steps / threads steps (one more for the first steps % threads threads); its checksum is
        // Accumulators x FloatLanes copies of the accumulator.
        double expected = 0;
        for (int t = 0; t < threads; t++)
            expected += (double)MachineLimits.Accumulators * MachineLimits.FloatLanes * Accumulator(steps / threads + (t < steps % threads ? 1 : 0));
        float actual = MachineLimits.FmaLoop(steps, threads);
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * expected, $"checksum {actual}, expected {expected}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_store_loop_writes_every_element_on_any_thread_count(bool nonTemporal)
    {
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var x = new float[1000 + threads];
            MachineLimits.StoreLoop(x, 2.5f, threads, nonTemporal);
            Assert.All(x, v => Assert.Equal(2.5f, v));
        }
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MachineLimits.FmaLoop(-1, 1));
        Assert.Throws<ArgumentException>(() => MachineLimits.FmaLoop(10, 0));
    }
}
