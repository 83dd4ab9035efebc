namespace InitLab.Theory;

/// <summary>The mean-field prediction for one layer l (numbered from 1: the output after l matrix products).</summary>
/// <param name="Layer">l.</param>
/// <param name="PreMeanSquare">q_l, the second moment of the pre-activations h_l = W_l x_{l-1} + b_l.</param>
/// <param name="PostMean">E[phi(sqrt(q_l) z)], the mean of the layer's output.</param>
/// <param name="PostMeanSquare">E[phi(sqrt(q_l) z)^2], the output's mean square.</param>
/// <param name="PostStd">sqrt(PostMeanSquare - PostMean^2), the output's standard deviation across units.</param>
/// <param name="Chi">sigma_w^2 E[phi'(sqrt(q_l) z)^2], this layer's factor in the Jacobian's mean squared singular value.</param>
public sealed record LayerPrediction(int Layer, double PreMeanSquare, double PostMean, double PostMeanSquare, double PostStd, double Chi);

/// <summary>Mean-field predictions for a finite-depth network from a given input mean square.</summary>
/// <param name="InputMeanSquare">m_0 = mean(x^2) of the input.</param>
/// <param name="Layers">Layers 1..L.</param>
/// <param name="JacobianMeanSquaredSingularValue">prod_l chi(q_l), the mean squared singular value of the input-output
/// Jacobian (Pennington et al. 2017); chi_1^L when the input sits at q*.</param>
public sealed record PropagationPrediction(double InputMeanSquare, IReadOnlyList<LayerPrediction> Layers, double JacobianMeanSquaredSingularValue);
