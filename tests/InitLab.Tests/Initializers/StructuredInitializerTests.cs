using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Tests.LinearAlgebra;

namespace InitLab.Tests.Initializers;

public sealed class StructuredInitializerTests
{
    [Theory]
    [InlineData(3, 5)]
    [InlineData(5, 3)]
    [InlineData(4, 4)]
    public void Eye_puts_ones_on_the_main_diagonal_of_any_rectangle(int rows, int cols)
    {
        var w = Init.Eye().Create<float>(new Shape(rows, cols), new Generator(0));
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                Assert.Equal(i == j ? 1f : 0f, w[i, j]);
    }

    [Fact]
    public void Identity_is_gain_times_eye()
    {
        var w = Init.Identity(0.5).Create<double>(new Shape(3, 3), new Generator(0));
        Assert.Equal([0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5], w.Data);
    }

    [Theory]
    [InlineData(new[] { 4, 4, 3 }, 1)]
    [InlineData(new[] { 6, 2, 3, 3 }, 2)]
    [InlineData(new[] { 4, 6, 3, 5, 5 }, 1)]
    [InlineData(new[] { 6, 3, 4, 4 }, 3)]
    public void Dirac_maps_channel_d_of_each_group_through_the_centre_tap(int[] dims, int groups)
    {
        var shape = new Shape(dims);
        var w = Init.Dirac(groups).Create<float>(shape, new Generator(0));
        int perGroup = dims[0] / groups, min = Math.Min(perGroup, dims[1]);
        long ones = 0;
        for (int o = 0; o < dims[0]; o++)
            for (int i = 0; i < dims[1]; i++)
            {
                var index = new int[dims.Length];
                index[0] = o;
                index[1] = i;
                for (int k = 2; k < dims.Length; k++) index[k] = dims[k] / 2;
                bool expected = o % perGroup == i && o % perGroup < min;
                Assert.Equal(expected ? 1f : 0f, w[index]);
                if (expected) ones++;
            }
        Assert.Equal(ones, w.Data.Count(v => v != 0));
    }

    [Fact]
    public void Dirac_in_keras_layout_is_the_transpose_of_the_torch_kernel()
    {
        var torch = Init.Dirac().Create<double>(new Shape(4, 3, 3, 3), new Generator(0));
        var keras = Init.Dirac(1, FanLayout.Keras).Create<double>(new Shape(3, 3, 3, 4), new Generator(0));
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 3; i++)
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        Assert.Equal(torch[o, i, a, b], keras[a, b, i, o]);
    }

    [Fact]
    public void Sparse_zeros_exactly_ceil_sparsity_times_rows_per_column_and_the_rest_are_normal()
    {
        const int rows = 200, cols = 300;
        const double sparsity = 0.33, std = 0.02;
        var w = Init.Sparse(sparsity, std).Create<double>(new Shape(rows, cols), new Generator(5));
        int zeros = (int)Math.Ceiling(sparsity * rows);
        var nonZeros = new List<double>();
        for (int j = 0; j < cols; j++)
        {
            int count = 0;
            for (int i = 0; i < rows; i++)
            {
                if (w[i, j] == 0) count++;
                else nonZeros.Add(w[i, j]);
            }
            Assert.Equal(zeros, count);
        }
        var ks = KolmogorovSmirnov.Test(nonZeros.ToArray(), KolmogorovSmirnov.NormalCdf(0, std));
        Assert.True(ks.Passes(1e-4), $"KS p = {ks.PValue}");
    }

    [Fact]
    public void Sparse_zero_positions_are_uniform_over_rows()
    {
        // Each row is zeroed in a column with probability zeros / rows = 1/4; over 4000 columns a row's count is
        // Binomial(4000, 1/4): mean 1000, sd sqrt(750); every one of the 8 rows must lie within 5 sd.
        var w = Init.Sparse(0.25, 1).Create<double>(new Shape(8, 4000), new Generator(9));
        for (int i = 0; i < 8; i++)
        {
            int count = 0;
            for (int j = 0; j < 4000; j++) if (w[i, j] == 0) count++;
            Assert.InRange(count, 1000 - 5 * Math.Sqrt(750), 1000 + 5 * Math.Sqrt(750));
        }
    }

    [Theory]
    [InlineData(new[] { 20, 7 }, 1.0)]
    [InlineData(new[] { 7, 20 }, 2.0)]
    [InlineData(new[] { 8, 4, 3, 3 }, 1.5)]
    [InlineData(new[] { 64, 4, 3, 3 }, 1.0)]
    public void Orthogonal_flattens_to_shape0_by_the_rest_with_Gram_equal_to_gain_squared_times_I(int[] dims, double gain)
    {
        var shape = new Shape(dims);
        var w = Init.Orthogonal(gain).Create<float>(shape, new Generator(3));
        int rows = dims[0], cols = (int)(shape.Size / rows);
        var unit = Array.ConvertAll(w.Data, v => v / gain);
        Assert.True(OrthogonalTests.MaxGramError(unit, rows, cols) <= 1e-5);
    }

    [Fact]
    public void Orthogonal_in_keras_layout_has_orthonormal_columns_over_the_last_axis()
    {
        var w = Init.Orthogonal(1, FanLayout.Keras).Create<double>(new Shape(3, 3, 4, 8), new Generator(3));
        Assert.True(OrthogonalTests.MaxGramError(w.Data, 36, 8) <= 1e-12);
    }

    [Theory]
    [InlineData(new[] { 8, 5, 3 })]
    [InlineData(new[] { 6, 6, 3, 3 })]
    [InlineData(new[] { 9, 4, 3, 2, 5 })]
    public void Delta_orthogonal_is_zero_except_an_orthogonal_centre_tap(int[] dims)
    {
        var shape = new Shape(dims);
        var w = Init.DeltaOrthogonal(2).Create<double>(shape, new Generator(4));
        int outC = dims[0], inC = dims[1];
        var centre = new double[outC * inC];
        long nonZeroOffCentre = 0;
        var index = new int[dims.Length];
        for (long flat = 0; flat < shape.Size; flat++)
        {
            long rem = flat;
            for (int k = dims.Length - 1; k >= 0; k--) { index[k] = (int)(rem % dims[k]); rem /= dims[k]; }
            bool isCentre = true;
            for (int k = 2; k < dims.Length; k++) isCentre &= index[k] == (dims[k] - 1) / 2;
            if (isCentre) centre[index[0] * inC + index[1]] = w.Data[flat] / 2;
            else if (w.Data[flat] != 0) nonZeroOffCentre++;
        }
        Assert.Equal(0, nonZeroOffCentre);
        Assert.True(OrthogonalTests.MaxGramError(centre, outC, inC) <= 1e-12);
    }

    [Fact]
    public void Delta_orthogonal_target_std_is_the_root_mean_square_of_its_entries()
    {
        // out 8, in 5, 3 x 3: the centre tap has 5 orthonormal columns scaled by 2, so the sum of squares is 4 * 5 over
        // 8 * 5 * 9 entries: rms = 2 / sqrt(8 * 9), fan_out = out x receptive field (not fan_in = 5 x 9).
        var shape = new Shape(8, 5, 3, 3);
        var init = Init.DeltaOrthogonal(2);
        var w = init.Create<double>(shape, new Generator(3));
        double rms = Math.Sqrt(w.Data.Sum(v => v * v) / w.Length);
        Assert.Equal(2 / Math.Sqrt(8 * 9), rms, 12);
        Assert.Equal(2 / Math.Sqrt(8 * 9), init.TargetStd(shape), 14);
    }

    [Fact]
    public void Delta_orthogonal_in_keras_layout_has_an_orthonormal_row_centre_tap()
    {
        // (3, 3, in 4, out 8): the centre tap [1, 1, :, :] is 4 x 8 with orthonormal rows; the other taps are 0.
        var w = Init.DeltaOrthogonal(1, FanLayout.Keras).Create<double>(new Shape(3, 3, 4, 8), new Generator(4));
        var centre = new double[32];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                for (int i = 0; i < 4; i++)
                    for (int o = 0; o < 8; o++)
                    {
                        if (a == 1 && b == 1) centre[i * 8 + o] = w[a, b, i, o];
                        else Assert.Equal(0.0, w[a, b, i, o]);
                    }
        Assert.True(OrthogonalTests.MaxGramError(centre, 4, 8) <= 1e-12);
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(4, 5)]     // one input more than outputs: the boundary
    public void Delta_orthogonal_with_more_inputs_than_outputs_is_rejected(int outChannels, int inChannels)
    {
        var ex = Assert.Throws<ArgumentException>(() => Init.DeltaOrthogonal().Create<float>(new Shape(outChannels, inChannels, 3, 3), new Generator(0)));
        Assert.Equal("shape", ex.ParamName);
        Assert.Contains("in <= out", ex.Message);
    }

    [Theory]
    [InlineData("eye", new[] { 3, 3, 3 })]
    [InlineData("identity", new[] { 4 })]
    [InlineData("sparse", new[] { 3, 3, 3 })]
    [InlineData("dirac", new[] { 3, 3 })]
    [InlineData("dirac", new[] { 3, 3, 3, 3, 3, 3 })]
    [InlineData("orthogonal", new[] { 5 })]
    [InlineData("delta_orthogonal", new[] { 4, 4 })]
    [InlineData("xavier_uniform", new[] { 5 })]
    [InlineData("lecun_normal", new int[0])]
    public void A_shape_the_scheme_cannot_fill_is_rejected_naming_shape(string scheme, int[] dims)
    {
        var init = Schemes.Create(scheme, scheme == "sparse" ? new InitializerOptions { Sparsity = 0.5 } : null);
        var ex = Assert.Throws<ArgumentException>(() => init.Create<float>(new Shape(dims), new Generator(0)));
        Assert.Equal("shape", ex.ParamName);
    }

    [Fact]
    public void Dirac_groups_must_divide_the_output_channels()
    {
        var ex = Assert.Throws<ArgumentException>(() => Init.Dirac(4).Create<float>(new Shape(6, 3, 3), new Generator(0)));
        Assert.Contains("divisible", ex.Message);
    }

    [Theory]
    [InlineData(10, 0.25, 3)]  // ceil(2.5), as torch.nn.init.sparse_: int(math.ceil(sparsity * rows))
    [InlineData(7, 0.5, 4)]
    [InlineData(10, 0.0, 0)]
    public void Sparse_zeroes_ceil_of_sparsity_times_rows_per_column(int rows, double sparsity, int zeros)
    {
        var w = Init.Sparse(sparsity, 1).Create<double>(new Shape(rows, 50), new Generator(2));
        for (int j = 0; j < 50; j++)
            Assert.Equal(zeros, Enumerable.Range(0, rows).Count(i => w[i, j] == 0));
    }

    [Fact]
    public void Dirac_of_an_even_kernel_uses_tap_k_div_2_as_PyTorch()
    {
        // torch.nn.init.dirac_ writes w[d, d, k1 // 2, k2 // 2]: tap (2, 2) of a 4 x 4 kernel.
        var w = Init.Dirac().Create<double>(new Shape(2, 2, 4, 4), new Generator(0));
        for (int d = 0; d < 2; d++) Assert.Equal(1.0, w.Data[((d * 2 + d) * 4 + 2) * 4 + 2]);
        Assert.Equal(2.0, w.Data.Sum());
    }

    [Theory]
    [InlineData(100, 400, 0.5)]
    [InlineData(400, 100, 0.5)]
    public void Orthogonal_target_std_is_gain_over_sqrt_of_the_larger_dimension(int rows, int cols, double gain)
    {
        // Q has min(rows, cols) orthonormal columns (or rows) of max(rows, cols) entries: mean square 1 / max.
        Assert.Equal(gain / Math.Sqrt(Math.Max(rows, cols)), Init.Orthogonal(gain).TargetStd(new Shape(rows, cols)), 15);
        var q = Init.Orthogonal(gain).Create<double>(new Shape(rows, cols), new Generator(3));
        Assert.Equal(gain * gain / Math.Max(rows, cols), q.Data.Average(v => v * v), 12);
    }

    [Fact]
    public void Identity_with_a_gain_below_one_scales_the_diagonal()
    {
        var w = Init.Identity(0.25).Create<double>(new Shape(3, 4), new Generator(0));
        Assert.Equal(0.25, w[2, 2]);
        Assert.Equal(0.75, w.Data.Sum(), 15);
    }
}
