using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class ShapeAndTensorTests
{
    [Fact]
    public void Shape_size_is_the_product_of_its_dims_and_equality_is_by_value()
    {
        var s = new Shape(16, 3, 3, 3);
        Assert.Equal(432, s.Size);
        Assert.Equal(4, s.Rank);
        Assert.Equal(new Shape(16, 3, 3, 3), s);
        Assert.Equal("(16, 3, 3, 3)", s.ToString());
        Assert.Equal(3, s[-1]);
        Assert.Equal(0, new Shape(0, 3).Size);
        Assert.Equal(1, new Shape().Size);
    }

    [Theory]
    [InlineData("3,5", new[] { 3, 5 })]
    [InlineData("(256, 128, 3, 3)", new[] { 256, 128, 3, 3 })]
    [InlineData("4x4", new[] { 4, 4 })]
    [InlineData("(5,)", new[] { 5 })]
    public void Shape_parses_common_spellings(string text, int[] dims) => Assert.Equal(new Shape(dims), Shape.Parse(text));

    [Theory]
    [InlineData("3,a")]
    [InlineData("3,-1")]
    [InlineData("4,x,4")]
    [InlineData("3,,4")]
    [InlineData("x,4")]
    public void Shape_parse_rejects_bad_text(string text) => Assert.Throws<ArgumentException>(() => Shape.Parse(text));

    [Fact]
    public void Shape_rejects_negative_dims_and_overflowing_sizes()
    {
        Assert.Contains("-2", Assert.Throws<ArgumentException>(() => new Shape(3, -2)).Message);
        var huge = Assert.Throws<ArgumentException>(() => new Shape(1 << 20, 1 << 20, 1 << 20));
        Assert.Equal("dims", huge.ParamName);
        Assert.Contains("more than an array can hold", huge.Message);
    }

    [Fact]
    public void A_rank_3_index_is_row_major_with_unequal_dims()
    {
        // Shape (2, 3, 4): element [i, j, k] sits at i * 12 + j * 4 + k.
        var t = new DenseTensor<double>(new Shape(2, 3, 4), Enumerable.Range(0, 24).Select(v => (double)v).ToArray());
        Assert.Equal(23.0, t[1, 2, 3]);
        Assert.Equal(1 * 12 + 0 * 4 + 2, t[1, 0, 2]);
        Assert.Equal(0 * 12 + 2 * 4 + 1, t[0, 2, 1]);
        t[0, 1, 3] = -1;
        Assert.Equal(-1.0, t.Data[7]);
    }

    [Fact]
    public void Tensor_is_row_major_and_reshape_shares_data()
    {
        var t = new DenseTensor<float>(new Shape(2, 3), [0, 1, 2, 3, 4, 5]);
        Assert.Equal(5f, t[1, 2]);
        Assert.Equal(3f, t[1, 0]);
        var r = t.Reshape(new Shape(3, 2));
        r[2, 1] = 9;
        Assert.Equal(9f, t[1, 2]);
        Assert.Throws<ArgumentException>(() => t.Reshape(new Shape(4, 2)));
        Assert.Throws<IndexOutOfRangeException>(() => t[2, 0]);
        Assert.Throws<ArgumentException>(() => new DenseTensor<float>(new Shape(2, 2), new float[3]));
    }

    [Fact]
    public void MatMul_multiplies_matrices_and_vectors_with_optional_transposes()
    {
        var a = new DenseTensor<double>(new Shape(2, 3), [1, 2, 3, 4, 5, 6]);
        var b = new DenseTensor<double>(new Shape(3, 2), [7, 8, 9, 10, 11, 12]);
        Assert.Equal(new double[] { 58, 64, 139, 154 }, TensorMath.MatMul(a, b).Data);
        var x = new DenseTensor<double>(new Shape(3), [1, 0, -1]);
        Assert.Equal(new double[] { -2, -2 }, TensorMath.MatMul(a, x).Data);
        // a^T a is 3 x 3
        var ata = TensorMath.MatMul(a, a, transposeA: true);
        Assert.Equal(new Shape(3, 3), ata.Shape);
        Assert.Equal(17, ata[0, 0]);
        Assert.Equal(new double[] { 14, 32, 32, 77 }, TensorMath.MatMul(a, a, transposeB: true).Data);
        Assert.Throws<ArgumentException>(() => TensorMath.MatMul(a, a));
    }

    [Fact]
    public void Relu_Clamp_and_Scale_act_element_wise_and_keep_NaN()
    {
        var x = new float[] { -2, -0.5f, 0, 0.5f, 2, float.NaN };
        TensorMath.Relu<float>(x);
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 2 }, x.Take(5));
        Assert.True(float.IsNaN(x[5]));
        var y = new float[] { -2, 0.5f, 3 };
        TensorMath.Clamp<float>(y, -1, 1);
        Assert.Equal(new float[] { -1, 0.5f, 1 }, y);
        var z = Enumerable.Range(0, 19).Select(i => (float)i).ToArray();
        TensorMath.Scale<float>(z, 0.5f);
        Assert.Equal(Enumerable.Range(0, 19).Select(i => i * 0.5f), z);
        Assert.Throws<ArgumentException>(() => TensorMath.Clamp<float>(y, 1, -1));
    }

    [Fact]
    public void Shapes_up_to_the_largest_array_are_accepted_and_one_more_element_is_not()
    {
        Assert.Equal(Array.MaxLength, new Shape(Array.MaxLength).Size);
        Assert.Throws<ArgumentException>(() => new Shape(Array.MaxLength + 1));
        Assert.Throws<ArgumentException>(() => new Shape(int.MaxValue));
    }

    [Fact]
    public void Negative_axes_count_from_the_end_and_a_vector_prints_as_a_python_tuple()
    {
        var s = new Shape(2, 3, 5);
        Assert.Equal(5, s[-1]);
        Assert.Equal(3, s[-2]);
        Assert.Equal(2, s[-3]);
        Assert.Equal("(7,)", new Shape(7).ToString());
        Assert.Equal("(2, 3, 5)", s.ToString());
        Assert.Equal("()", new Shape().ToString());
    }

    [Fact]
    public void Matrix_indexing_of_a_wide_tensor_is_row_major()
    {
        var t = new DenseTensor<double>(new Shape(2, 3), [0, 1, 2, 3, 4, 5]);
        Assert.Equal(5, t[1, 2]);
        Assert.Equal(3, t[1, 0]);
        Assert.Equal(2, t.Rows);
        Assert.Equal(3, t.Columns);
        Assert.Throws<IndexOutOfRangeException>(() => t[0, 3]);
    }

    [Fact]
    public void MatMul_with_a_transposed_rectangular_right_operand()
    {
        // a (2 x 3) @ b^T with b (4 x 3): c (2 x 4), c_ij = sum_k a_ik b_jk.
        var a = new DenseTensor<double>(new Shape(2, 3), [1, 2, 3, 4, 5, 6]);
        var b = new DenseTensor<double>(new Shape(4, 3), [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
        var c = TensorMath.MatMul(a, b, transposeB: true, threads: 1);
        Assert.Equal(new Shape(2, 4), c.Shape);
        Assert.Equal([1.0, 2, 3, 6, 4, 5, 6, 15], c.Data);
    }

    [Fact]
    public void Relu_writes_positive_zero_and_clamp_rejects_NaN_bounds()
    {
        var x = new float[] { -1f, -0f, 2f };
        TensorMath.Relu<float>(x);
        Assert.Equal(0, BitConverter.SingleToInt32Bits(x[0])); // +0, as torch.relu
        Assert.Equal(2f, x[2]);
        Assert.Throws<ArgumentException>(() => TensorMath.Clamp<float>(x, float.NaN, 1f));
        Assert.Throws<ArgumentException>(() => TensorMath.Clamp<float>(x, 0f, float.NaN));
        Assert.Throws<ArgumentException>(() => TensorMath.Clamp<float>(x, 2f, 1f));
    }
}
