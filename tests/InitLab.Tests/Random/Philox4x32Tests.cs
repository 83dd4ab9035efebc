using InitLab.Random;

namespace InitLab.Tests.Random;

public class Philox4x32Tests
{
    // Known-answer vectors of Random123 (kat_vectors, philox4x32_10).
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_matches_the_published_known_answer_vectors(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
        uint e0, uint e1, uint e2, uint e3)
    {
        var (x0, x1, x2, x3) = Philox4x32.Block(c0, c1, c2, c3, k0, k1);
        Assert.Equal((e0, e1, e2, e3), (x0, x1, x2, x3));
    }

    [Fact]
    public void Seed_stream_block_overload_lays_out_the_counter_as_documented()
    {
        ulong seed = 0x299f31d0a4093822UL, stream = 0x0370734413198a2eUL, block = 0x85a308d3243f6a88UL;
        Assert.Equal((0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u), Philox4x32.Block(seed, stream, block));
    }
}
