namespace InitLab.LinearAlgebra;

/// <summary>
/// Called by <see cref="PackedGemm.Run{T}"/> on a block of C, rows <paramref name="row"/> .. row + rows - 1 and columns
/// <paramref name="col"/> .. col + cols - 1, once its last KC slice is added: the block is final and still in cache, so an
/// element-wise step on it (a linear layer's bias) costs no pass over C from memory. The blocks tile C exactly once; several
/// threads may call it at once on different blocks. Paths that do not block C (thin products, vectors, k = 0) call it once on
/// all of C after the product.
/// </summary>
internal delegate void BlockDone(int row, int rows, int col, int cols);
