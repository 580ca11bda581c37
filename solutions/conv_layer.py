"""二维卷积层 / Convolutions for images: the chapter's functions, written once as a module and as a notebook.

Each `# %%` line starts a notebook cell. solutions/conv_layer.py holds the reference; `convkit build` writes
exercises/conv_layer.py and exercises/conv_layer.ipynb from it, replacing each solution body by one
`raise NotImplementedError("<hint>")` line whose message comes from the body's `# Hint:` line.
"""

# %% [markdown]
# # 二维卷积层 (Convolutions for images)
#
# 卷积神经网络（convolutional neural network）是含有卷积层（convolutional layer）的神经网络。本节只讨论最常见的
# 二维卷积层：它有高和宽两个空间维度，常用来处理图像数据。虽然名字叫“卷积”，卷积层里实际使用的通常是更直观的
# 互相关运算（cross-correlation）。
#
# *A convolutional neural network is a network that contains convolutional layers. This notebook builds the
# 2-D convolutional layer from scratch; despite its name, it computes a cross-correlation.*
#
# 在下面每个代码单元里，按说明写出标记给你的函数体（练习版本中它是一行 `raise NotImplementedError("...")`，
# 错误信息就是提示）。
#
# *In each code cell below, write the body left for you: in the exercise it is a single
# `raise NotImplementedError("...")` whose message is a hint. Keep every name and signature as given.*

# %%
import torch
from torch import nn


# %% [markdown]
# ## 二维互相关运算 (2-D cross-correlation)
#
# 二维互相关运算的输入是一个二维输入数组和一个二维核（kernel）数组，输出也是一个二维数组。核数组又称卷积核或
# 过滤器（filter）。卷积窗口（形状与核相同）从输入数组的最左上方开始，按从左往右、从上往下的顺序在输入数组上
# 滑动；滑动到每个位置时，窗口中的输入子数组与核数组按元素相乘并求和，得到输出数组中相应位置的元素。
#
# 例如输入是 3×3 的数组 `[[0, 1, 2], [3, 4, 5], [6, 7, 8]]`，核是 2×2 的数组 `[[0, 1], [2, 3]]`，
# 输出的第一个元素是 0×0 + 1×1 + 3×2 + 4×3 = 19，整个输出是 `[[19., 25.], [37., 43.]]`。
# 输入形状为 (H, W)、核形状为 (h, w) 时，输出形状为 (H - h + 1, W - w + 1)。
#
# *The kernel window slides over the input from the top left, left to right and top to bottom; at each
# position the window and the kernel are multiplied elementwise and summed. With X of shape (H, W) and K of
# shape (h, w) the output Y has shape (H - h + 1, W - w + 1).*
#
# **实现 / Implement** `corr2d(X, K)`：用本节的双重循环遍历输出的每个位置 (i, j)，计算
# `(X[i:i + h, j:j + w] * K).sum()`。结果必须是浮点数：整数输入得到 float32（如上例），float64 输入仍是
# float64。梯度要能传回 X 和 K（例如用 `torch.stack` 组装输出，不要写进固定 dtype 的 `torch.zeros`），
# 也不要修改输入。
#
# *Use the chapter's double loop over output positions. The result is floating point (integer inputs give
# float32, float64 stays float64), gradients must reach X and K, and the inputs must not be modified.*

# %%
def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of an input array with a kernel array.

    X: (H, W), K: (h, w) -> Y: (H - h + 1, W - w + 1), with
    Y[i, j] = (X[i:i + h, j:j + w] * K).sum().
    Y is floating point: its dtype is torch.promote_types(torch.result_type(X, K), torch.get_default_dtype()),
    so integer inputs give float32 and float64 inputs give float64. Gradients flow to X and K; neither input is
    modified.

    Chapter: 二维互相关运算 (2-D cross-correlation).
    """
    ### BEGIN SOLUTION
    # Hint: cast X and K to a floating dtype, then torch.stack the sums (X[i:i + h, j:j + w] * K).sum() over i, j
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)  # new tensors when the dtype changes: the caller's are never written
    h, w = K.shape
    rows = []
    for i in range(X.shape[0] - h + 1):
        row = [(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)]
        rows.append(torch.stack(row))
    return torch.stack(rows)
    ### END SOLUTION


# %% [markdown]
# ## 二维卷积层 (The 2-D convolutional layer)
#
# 二维卷积层将输入和卷积核做互相关运算，并加上一个标量偏差（bias）来得到输出。卷积层的模型参数包括卷积核和
# 标量偏差；训练模型时，通常先对卷积核随机初始化，然后不断迭代卷积核和偏差。`nn.Parameter` 是 Tensor，
# 不同的是它会被自动添加到模型的参数列表里。
#
# *A 2-D convolutional layer cross-correlates its input with a kernel and adds a scalar bias. Its parameters
# are the kernel and the bias; the kernel starts random and both are learned.*
#
# **实现 / Implement** `Conv2D(kernel_size)`：先创建 `self.weight`（形状 `kernel_size`），再创建
# `self.bias`（形状 `(1,)`），两者都是用 `torch.randn` 初始化的 `nn.Parameter`；`forward(x)` 返回
# `corr2d(x, self.weight) + self.bias`。
#
# *Create `weight` first, then `bias`, both `nn.Parameter`s drawn with `torch.randn`; `forward` is
# cross-correlation plus bias.*

# %%
class Conv2D(nn.Module):
    """A 2-D convolutional layer: cross-correlation with a learned kernel plus a learned scalar bias.

    kernel_size (h, w) -> parameters weight: (h, w) and bias: (1,), both drawn from torch.randn, weight first.
    forward: x (H, W) -> (H - h + 1, W - w + 1).

    Chapter: 二维卷积层 (the 2-D convolutional layer).
    """

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        """kernel_size: (h, w) -> weight: (h, w), bias: (1,), created in that order."""
        super().__init__()
        ### BEGIN SOLUTION
        # Hint: self.weight = nn.Parameter(torch.randn(...)) of shape kernel_size first, then self.bias of shape (1,)
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (H, W) -> corr2d(x, weight) + bias: (H - h + 1, W - w + 1)."""
        ### BEGIN SOLUTION
        # Hint: cross-correlate x with self.weight using corr2d, then add self.bias
        return corr2d(x, self.weight) + self.bias
        ### END SOLUTION


# %% [markdown]
# ## 图像中物体边缘检测 (Edge detection in images)
#
# 卷积层的一个简单应用是检测图像中物体的边缘，即找到像素变化的位置。先构造一张 6×8 的图像：中间 4 列为
# 黑（0），其余为白（1）。
#
# *A simple use of a convolutional layer: find where the pixels change. Build a 6 × 8 image whose middle four
# columns are black (0) and the rest white (1).*
#
# **实现 / Implement** `edge_image()`：返回这张 6×8 的 float32 图像（第 2 到 5 列为 0）。
#
# *Return the 6 × 8 float32 image with columns 2 to 5 set to 0.*

# %%
def edge_image() -> torch.Tensor:
    """The chapter's test image: () -> X: (6, 8) float32, ones with columns 2..5 (X[:, 2:6]) set to 0.

    Chapter: 图像中物体边缘检测 (edge detection).
    """
    ### BEGIN SOLUTION
    # Hint: start from torch.ones(6, 8) and set the columns 2:6 to 0
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    return X
    ### END SOLUTION


# %% [markdown]
# 然后构造一个高和宽分别为 1 和 2 的卷积核 K。当它与输入做互相关运算时，如果横向相邻元素相同，输出为 0；
# 否则输出为非 0。于是 `corr2d(edge_image(), edge_kernel())` 把从白到黑的边缘检测为 1，把从黑到白的边缘
# 检测为 -1，其余为 0：
#
# *A 1 × 2 kernel K = [[1, -1]] gives 0 where horizontally adjacent pixels are equal and non-zero where they
# differ: the white-to-black edge becomes 1 and the black-to-white edge becomes -1.*
#
# ```
# tensor([[ 0.,  1.,  0.,  0.,  0., -1.,  0.],
#         [ 0.,  1.,  0.,  0.,  0., -1.,  0.],
#         [ 0.,  1.,  0.,  0.,  0., -1.,  0.],
#         [ 0.,  1.,  0.,  0.,  0., -1.,  0.],
#         [ 0.,  1.,  0.,  0.,  0., -1.,  0.],
#         [ 0.,  1.,  0.,  0.,  0., -1.,  0.]])
# ```
#
# 由此可见，卷积层可以通过重复使用卷积核有效地表征局部空间。
#
# *A convolutional layer describes local structure well by reusing the same kernel everywhere.*
#
# **实现 / Implement** `edge_kernel()`：返回 1×2 的浮点卷积核 `[[1., -1.]]`。
#
# *Return the 1 × 2 float kernel `[[1., -1.]]`.*

# %%
def edge_kernel() -> torch.Tensor:
    """The chapter's edge detector: () -> K: (1, 2) float32, [[1., -1.]].

    Chapter: 图像中物体边缘检测 (edge detection).
    """
    ### BEGIN SOLUTION
    # Hint: a 1 x 2 float tensor holding 1 then -1
    return torch.tensor([[1.0, -1.0]])
    ### END SOLUTION


# %% [markdown]
# ## 通过数据学习核数组 (Learning a kernel array from data)
#
# 最后，用上面的输入 X 和输出 Y 来学习构造 K：先构造一个卷积核形状为 (1, 2) 的二维卷积层，卷积核随机初始化；
# 每次迭代用平方误差 `((Y_hat - Y) ** 2).sum()` 比较 Y 和卷积层的输出，计算梯度，再用梯度下降更新权重和
# 偏差，并把梯度清零。每 5 次迭代打印一次损失，例如：
#
# *Learn K back from X and Y alone: start a (1, 2) Conv2D at random, and at every step compare its output
# with Y by squared error, back-propagate, take a gradient-descent step on weight and bias, and zero the
# gradients. The loss is printed every 5 steps:*
#
# ```
# Step 5, loss 11.450
# Step 10, loss 3.175
# ...
# Step 100, loss 0.000
# ```
#
# 100 次迭代后学到的卷积核非常接近 `[[1., -1.]]`，偏差接近 0（具体数值取决于随机初始化）。
#
# *After 100 steps the learned kernel is very close to `[[1., -1.]]` and the bias close to 0 (the exact
# numbers depend on the random start).*
#
# **实现 / Implement** `learn_kernel(X, Y, ...)`：新建 `Conv2D(kernel_size)`，做 `steps` 步梯度下降
# （`weight.data -= lr * weight.grad`，偏差同理，然后把两个梯度清零）；第 i 步（从 1 开始）若
# `i % log_every == 0`，打印 `'Step %d, loss %.3f' % (i, l.item())`。返回模型和每一步的损失（更新前计算的
# 那个 l，Python float）。
#
# *Build a fresh `Conv2D(kernel_size)` and run `steps` steps of plain gradient descent; after step i
# (counting from 1) with `i % log_every == 0` print exactly `'Step %d, loss %.3f' % (i, l.item())`. Return the
# model and every step's loss (the l computed before that step's update) as Python floats.*

# %%
def learn_kernel(
    X: torch.Tensor,
    Y: torch.Tensor,
    kernel_size: tuple[int, int] = (1, 2),
    steps: int = 100,
    lr: float = 0.01,
    log_every: int = 5,
) -> tuple[Conv2D, list[float]]:
    """Learn a kernel and a bias that map X to Y, by plain gradient descent on the squared error.

    X: (H, W), Y: (H - h + 1, W - w + 1), kernel_size: (h, w) -> (model, losses), where model is the trained
    Conv2D(kernel_size) and losses has `steps` Python floats: losses[i - 1] is l = ((model(X) - Y) ** 2).sum()
    computed at the start of step i, before that step's update. After every step i (from 1) with
    i % log_every == 0 it prints 'Step %d, loss %.3f' % (i, l.item()).

    Chapter: 通过数据学习核数组 (learning a kernel array from data).
    """
    ### BEGIN SOLUTION
    # Hint: model = Conv2D(kernel_size); each step l.backward(), p.data -= lr * p.grad, p.grad.zero_() for weight, bias
    model = Conv2D(kernel_size)
    losses = []
    for i in range(1, steps + 1):
        Y_hat = model(X)
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()  # gradients of l with respect to weight and bias

        model.weight.data -= lr * model.weight.grad
        model.bias.data -= lr * model.bias.grad

        model.weight.grad.zero_()  # backward() accumulates, so start the next step from zero
        model.bias.grad.zero_()
        losses.append(l.item())
        if i % log_every == 0:
            print('Step %d, loss %.3f' % (i, l.item()))
    return model, losses
    ### END SOLUTION


# %% [markdown]
# ## 互相关运算和卷积运算 (Cross-correlation and convolution)
#
# 卷积运算与互相关运算类似：为了得到卷积运算的输出，只需把核数组左右翻转并上下翻转，再与输入数组做互相关运算。
# 即对形状为 (h, w) 的核，`Y[i, j] = Σ_a Σ_b X[i + a, j + b] * K[h - 1 - a, w - 1 - b]`。
# 可见两种运算虽然类似，但如果使用相同的核数组，输出往往并不相同。那为什么卷积层能用互相关运算代替卷积运算？
# 因为在深度学习中核数组都是学出来的：卷积层无论使用互相关运算还是卷积运算，都不影响模型预测时的输出——
# 用卷积运算学出的核数组，正是用互相关运算学出的核数组左右、上下翻转后的结果。所以深度学习中的“卷积”通常就是
# 互相关运算。
#
# *Convolution is cross-correlation with the kernel flipped left-right and up-down. The same kernel generally
# gives different outputs, but since kernels are learned, a layer learns the flipped kernel either way and
# predicts the same; so deep learning's "convolution" is usually cross-correlation.*
#
# **实现 / Implement** `convolve2d(X, K)`：真正的二维卷积，即把 K 在两个轴上翻转（`torch.flip(K, (0, 1))`）
# 后再调用 `corr2d`。
#
# *True convolution: flip K on both axes with `torch.flip(K, (0, 1))`, then cross-correlate.*

# %%
def convolve2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """True 2-D convolution: cross-correlation with the kernel flipped on both axes.

    X: (H, W), K: (h, w) -> Y: (H - h + 1, W - w + 1), with
    Y[i, j] = sum over a, b of X[i + a, j + b] * K[h - 1 - a, w - 1 - b], i.e. corr2d(X, torch.flip(K, (0, 1))).
    Floating point like corr2d.

    Chapter: 互相关运算和卷积运算 (cross-correlation and convolution).
    """
    ### BEGIN SOLUTION
    # Hint: flip K on both axes with torch.flip(K, (0, 1)) and cross-correlate with corr2d
    return corr2d(X, torch.flip(K, (0, 1)))
    ### END SOLUTION


# %% [markdown]
# ## 特征图和感受野 (Feature maps and receptive fields)
#
# 二维卷积层输出的二维数组可以看作输入在空间维度（宽和高）上某一级的表征，也叫特征图（feature map）。
# 影响元素 x 的前向计算的所有可能输入区域（可能大于输入的实际尺寸）叫做 x 的感受野（receptive field）。
# 以本节第一个例子为例，输出中左上角的 1 个元素（19）的感受野是输入中左上角的 4 个元素。如果把那个 2×2 的
# 输出记为 Y，再添加一层卷积层，把 Y 与另一个 2×2 的核数组做互相关运算，得到 1×1 的输出 Z，那么 Z 在输入 X
# 上的感受野就是 X 的全部 9 个元素。可见，更深的卷积神经网络能使特征图中单个元素的感受野变得更加广阔，
# 从而捕捉输入上更大尺寸的特征。
#
# *The output of a 2-D convolutional layer is a feature map. The receptive field of an element x is every
# input element that can affect x. In the first example one output element sees 4 input elements; stacking a
# second 2 × 2 layer on top gives a 1 × 1 output Z that sees all 9 elements of X. Deeper networks see more.*
#
# **实现 / Implement** `receptive_field(kernel_sizes)`：对一串步幅为 1、无填充的卷积层（核形状依次为
# `(h1, w1), (h2, w2), ...`），返回最后一层输出中单个元素在输入上的感受野大小
# `(1 + Σ(h_i - 1), 1 + Σ(w_i - 1))`；例如 `[(2, 2)]` 给出 (2, 2)，`[(2, 2), (2, 2)]` 给出 (3, 3)，
# 空列表给出 (1, 1)。
#
# *For stride-1, unpadded layers with kernels (h1, w1), (h2, w2), ..., one output element sees a
# (1 + Σ(h_i - 1)) × (1 + Σ(w_i - 1)) patch of the input: `[(2, 2)]` gives (2, 2), `[(2, 2), (2, 2)]` gives
# (3, 3), and no layers gives (1, 1).*

# %%
def receptive_field(kernel_sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """Receptive-field size of one output element of a stack of stride-1, unpadded layers.

    kernel_sizes: [(h1, w1), (h2, w2), ...] -> (1 + Σ(h_i - 1), 1 + Σ(w_i - 1)).
    [(2, 2)] -> (2, 2) (4 cells); [(2, 2), (2, 2)] -> (3, 3) (9 cells); [] -> (1, 1).

    Chapter: 特征图和感受野 (feature maps and receptive fields).
    """
    ### BEGIN SOLUTION
    # Hint: start from a 1 x 1 field; each layer with an h x w kernel adds h - 1 rows and w - 1 columns
    rh, rw = 1, 1
    for h, w in kernel_sizes:
        rh, rw = rh + h - 1, rw + w - 1
    return rh, rw
    ### END SOLUTION


# %% [markdown]
# 最后一层输出中位置 (i, j) 的元素，其感受野从输入的 (i, j) 开始，大小就是 `receptive_field` 给出的
# (rh, rw)，即输入上的切片 `X[i:i + rh, j:j + rw]`。
#
# *Output element (i, j) of the last layer sees the input patch that starts at (i, j) and has the size
# `receptive_field` gives: `X[i:i + rh, j:j + rw]`.*
#
# **实现 / Implement** `receptive_field_region(kernel_sizes, i, j)`：返回
# `(slice(i, i + rh), slice(j, j + rw))`。
#
# *Return `(slice(i, i + rh), slice(j, j + rw))`.*

# %%
def receptive_field_region(kernel_sizes: list[tuple[int, int]], i: int, j: int) -> tuple[slice, slice]:
    """Input region seen by output element (i, j) of a stack of stride-1, unpadded layers.

    kernel_sizes: [(h1, w1), ...], (i, j) -> (slice(i, i + rh), slice(j, j + rw)), where
    (rh, rw) = receptive_field(kernel_sizes); X[region] is the receptive field.

    Chapter: 特征图和感受野 (feature maps and receptive fields).
    """
    ### BEGIN SOLUTION
    # Hint: the region starts at (i, j) and has the size (rh, rw) that receptive_field(kernel_sizes) gives
    rh, rw = receptive_field(kernel_sizes)
    return slice(i, i + rh), slice(j, j + rw)
    ### END SOLUTION


# %% [markdown]
# ## 练习 (Exercises)
#
# 下面是本节末尾的练习。它们是选做的扩展部分：教师用 `convkit grade --extension` 才会给它们计分（另加 20 分），
# 你可以用 `convkit check --extension` 自查。坐标约定：位置 (i, j) 中 i 是行号（向下增大），j 是列号
# （向右增大）；“水平方向”指 j 增大的方向，就像本节的核 `[[1, -1]]` 比较的是水平相邻的元素。
#
# *The exercises at the end of the section, as an optional extension: they count only when the grader runs
# with `--extension` (20 more points); self-check with `convkit check --extension`. Positions are (i, j): i is
# the row (growing downwards), j the column (growing to the right), so "horizontal" means along j, as the
# chapter's kernel `[[1, -1]]` compares horizontal neighbours.*

# %% [markdown]
# ### 练习 1：对角线边缘 (Diagonal edges)
#
# 构造一个含有对角线边缘的图像 X：n×n，主对角线及其下方为 1（白），上方为 0（黑），即
# `X[i, j] = 1` 当 `j <= i`，否则为 0。
#
# *Build an image with a diagonal edge: n × n, ones on and below the main diagonal, zeros above it
# (`X[i, j] = 1` when `j <= i`, else 0).*
#
# **实现 / Implement** `diagonal_image(n)`：返回这张 n×n 的 float32 图像。
#
# *Return this n × n float32 image.*

# %%
def diagonal_image(n: int) -> torch.Tensor:
    """An image with a diagonal edge: n -> X: (n, n) float32, X[i, j] = 1 when j <= i (on and below the main
    diagonal), 0 when j > i (above it); i.e. torch.tril(torch.ones(n, n)).

    Chapter: 练习 1 (exercise 1: diagonal edges).
    """
    ### BEGIN SOLUTION
    # Hint: ones on and below the diagonal: torch.tril keeps exactly those entries of torch.ones(n, n)
    return torch.tril(torch.ones(n, n))
    ### END SOLUTION


# %% [markdown]
# 把本节的核 K = `[[1, -1]]` 用在这张图像上会怎样？如果转置 X 会怎样？如果转置 K 会怎样？先自己预测，再运行看看：
# 输出中哪些位置非零、符号是什么？
#
# *What happens if you apply the section's kernel K = `[[1, -1]]` to this image? If you transpose X? If you
# transpose K? Predict first, then look: which positions are non-zero, and with which sign?*
#
# **实现 / Implement** `diagonal_edge_responses(n)`：令 `X = diagonal_image(n)`、`K = edge_kernel()`，
# 按顺序返回三个输出 `(corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T))`。
#
# *With `X = diagonal_image(n)` and `K = edge_kernel()`, return the three outputs
# `(corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T))`, in this order.*

# %%
def diagonal_edge_responses(n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The chapter's edge kernel on the diagonal image, on its transpose, and transposed itself.

    n -> (corr2d(X, K): (n, n - 1), corr2d(X.T, K): (n, n - 1), corr2d(X, K.T): (n - 1, n)), where
    X = diagonal_image(n) and K = edge_kernel() = [[1, -1]] (so K.T is the 2 × 1 kernel [[1], [-1]]).

    Chapter: 练习 1 (exercise 1: diagonal edges).
    """
    ### BEGIN SOLUTION
    # Hint: X = diagonal_image(n), K = edge_kernel(); return corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T)
    X, K = diagonal_image(n), edge_kernel()
    return corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T)
    ### END SOLUTION


# %% [markdown]
# ### 练习 2：把互相关运算写成矩阵乘法 (Cross-correlation as a matrix multiplication)
#
# 如何通过改变输入和核数组，把互相关运算表示成一次矩阵乘法？一种做法：把 X 的每个 h×w 窗口展平成一行，
# 得到 `(H - h + 1)(W - w + 1)` 行、`h·w` 列的“窗口矩阵”，再乘以展平成 `(h·w, 1)` 的核；另一种做法：
# 由 K 构造一个 `((H - h + 1)(W - w + 1), H·W)` 的矩阵，乘以展平成 `(H·W, 1)` 的 X。
#
# *How can cross-correlation be written as one matrix multiplication, by reshaping the input and the kernel?
# Either flatten every h × w window of X into a row (a `(H - h + 1)(W - w + 1)` × `h·w` patch matrix) and
# multiply by K flattened to `(h·w, 1)`; or build a `((H - h + 1)(W - w + 1), H·W)` matrix from K and multiply
# it by X flattened to `(H·W, 1)`.*
#
# **实现 / Implement** `corr2d_matmul(X, K)`：结果与 `corr2d(X, K)` 相同，但全部乘法和求和都在**一次**
# `@`（或 `torch.matmul`）中完成，两个操作数都是二维张量。构造这两个矩阵时只搬运数值（切片、`reshape`、
# `unfold`、`torch.stack`、`torch.cat`、按下标赋值……），不做别的算术。检查会查看结果的自动求导计算图
# （`grad_fn`），所以梯度也要能传回 X 和 K。X 和 K 都是浮点张量。
#
# *Return the same as `corr2d(X, K)`, with every multiplication and sum done by **one** `@` (or
# `torch.matmul`) of two 2-D tensors. Build the two matrices by moving values only (slicing, `reshape`,
# `unfold`, `torch.stack`, `torch.cat`, assignment by index, ...), no other arithmetic. The check reads the
# result's autograd graph (`grad_fn`), so gradients must reach X and K. X and K are floating point.*

# %%
def corr2d_matmul(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation as one matrix multiplication.

    X: (H, W), K: (h, w), floating point -> Y: (H - h + 1, W - w + 1), equal to corr2d(X, K), computed as
    A @ B for two 2-D tensors A and B built from X and K by moving values only (e.g. A: the patch matrix
    ((H - h + 1)(W - w + 1), h * w), B: K reshaped to (h * w, 1)), then reshaped to the output's shape.
    Gradients reach X and K through that single matrix multiplication.

    Chapter: 练习 2 (exercise 2: cross-correlation as a matrix multiplication).
    """
    ### BEGIN SOLUTION
    # Hint: X.unfold(0, h, 1).unfold(1, w, 1) holds every h x w window; reshape it to (-1, h * w), @ K.reshape(h * w, 1)
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)          # (H - h + 1, W - w + 1, h, w)
    rows, cols = windows.shape[:2]
    patches = windows.reshape(rows * cols, h * w)        # one window per row
    return (patches @ K.reshape(h * w, 1)).reshape(rows, cols)
    ### END SOLUTION


# %% [markdown]
# ### 练习 3：手工设计卷积核 (Designing kernels by hand)
#
# 下面每个核都是不超过 7×7 的二维浮点张量，检查会用它对一些图像做互相关运算，看它是否有要求的性质，
# 而不是和某一个固定答案比较。用多项式图像来描述“导数”最准确：例如对图像 `X[i, j] = j ** 2`，
# 沿水平方向的二阶导数处处为 2。
#
# *Each kernel below is a 2-D float tensor of at most 7 × 7. The checks cross-correlate it with images and test
# the property asked for, not one literal answer. Derivatives are stated on polynomial images: for example on
# `X[i, j] = j ** 2` the second derivative along the horizontal direction is 2 everywhere.*
#
# **实现 / Implement** `second_derivative_kernel()`：水平方向二阶导数 ∂²/∂j² 的有限差分核。对任何
# 不超过二次的多项式图像（1, i, j, i², i·j, j² 的线性组合），`corr2d(X, K)` 处处等于 ∂²X/∂j²：
# 对 `j ** 2` 处处为 2，对线性斜坡（如 `3 * i - 2 * j + 1`）、`i ** 2` 和 `i * j` 都为 0。
# 想一想：这样的核最小是多大？图像中什么结构对它的响应最强？
#
# *A finite-difference kernel for the horizontal second derivative ∂²/∂j²: on every image that is a
# polynomial of degree at most 2 in (i, j), `corr2d(X, K)` equals ∂²X/∂j² everywhere: 2 on `j ** 2`, 0 on
# linear ramps, on `i ** 2` and on `i * j`. How small can it be? Which image structures respond most?*

# %%
def second_derivative_kernel() -> torch.Tensor:
    """() -> K: (h, w) float, at most 7 × 7, such that corr2d(X, K) = ∂²X/∂j² exactly for every image X that is
    a polynomial of degree <= 2 in (i, j): constant 2 on X[i, j] = j², 0 on linear ramps, on i² and on i·j.

    Chapter: 练习 3 (exercise 3: designing kernels by hand).
    """
    ### BEGIN SOLUTION
    # Hint: the second difference X[i, j] - 2 X[i, j + 1] + X[i, j + 2] is a 1 x 3 kernel
    return torch.tensor([[1.0, -2.0, 1.0]])
    ### END SOLUTION


# %% [markdown]
# **实现 / Implement** `laplacian_kernel()`：拉普拉斯算子 ∂²/∂i² + ∂²/∂j² 的核。对任何不超过二次的多项式
# 图像，`corr2d(X, K)` 处处等于 ∂²X/∂i² + ∂²X/∂j²：对 `i ** 2` 和 `j ** 2` 都为 2，对 `i * j` 和线性斜坡
# 为 0。
#
# *A kernel for the Laplacian ∂²/∂i² + ∂²/∂j²: exact on every polynomial image of degree at most 2 (2 on
# `i ** 2` and on `j ** 2`, 0 on `i * j` and on linear ramps).*

# %%
def laplacian_kernel() -> torch.Tensor:
    """() -> K: (h, w) float, at most 7 × 7, such that corr2d(X, K) = ∂²X/∂i² + ∂²X/∂j² exactly for every image
    X that is a polynomial of degree <= 2 in (i, j): 2 on i², 2 on j², 0 on i·j and on linear ramps.

    Chapter: 练习 3 (exercise 3: designing kernels by hand).
    """
    ### BEGIN SOLUTION
    # Hint: add a vertical and a horizontal second difference, both centred on the middle of a 3 x 3 kernel
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    ### END SOLUTION


# %% [markdown]
# **实现 / Implement** `blur_kernel(k)`：一个 k×k（k ≥ 2）的模糊核。权重都不小于 0、总和为 1（平坦的图像
# 亮度不变），并且能平滑噪声：对白噪声图像（各像素独立的标准正态分布），输出的方差至多是输入方差的一半。
# 为什么会需要这样的核？（去噪、缩小图像前去掉细节……）
#
# *A k × k blur kernel (k >= 2): non-negative weights that sum to 1 (a flat image keeps its brightness), and it
# smooths noise: on white noise (independent standard normal pixels) the output's variance is at most half the
# input's. Why would you want one? (Denoising, removing detail before shrinking an image, ...)*

# %%
def blur_kernel(k: int) -> torch.Tensor:
    """k (>= 2) -> K: (k, k) float with K >= 0 and K.sum() == 1, such that on white noise N (independent standard
    normal pixels) corr2d(N, K).var() <= N.var() / 2.

    Chapter: 练习 3 (exercise 3: designing kernels by hand).
    """
    ### BEGIN SOLUTION
    # Hint: the mean of the k x k window: every weight 1 / k ** 2
    return torch.full((k, k), 1.0 / k ** 2)
    ### END SOLUTION


# %% [markdown]
# **实现 / Implement** `directional_edge_kernel(v)`：给定方向向量 `v = (v_i, v_j)`（按 (行, 列) 的顺序，
# 不全为 0），设计一个检测与 v 正交的边缘的核，即沿 v 求方向导数。用“斜坡”图像描述边缘：对单位向量
# `u = (u_i, u_j)`，`X[i, j] = c + s * (u_i * i + u_j * j)` 的亮度沿 u 变化，它的等高线（边缘）与 u 正交。
# 要求：平坦图像的响应为 0；当 u ⊥ v（边缘与 v 平行）时，响应处处为 0；当 u 与 v 平行（边缘与 v 正交）时，
# 响应的绝对值最大且不为 0。例如 `v = (0, 1)` 时，它像本节的 `[[1, -1]]` 一样检测竖直边缘。
#
# *Given a direction `v = (v_i, v_j)` in (row, column) order, not both 0, design a kernel that detects edges
# orthogonal to v: a derivative along v. Edges are ramps: for a unit vector `u = (u_i, u_j)`, the image
# `X[i, j] = c + s * (u_i * i + u_j * j)` changes along u, and its level lines (its edges) are orthogonal to u.
# Required: zero response on flat images; zero response everywhere when u ⊥ v (edges parallel to v); and the
# largest, non-zero, |response| when u is parallel to v (edges orthogonal to v). With `v = (0, 1)` it finds
# vertical edges, like the chapter's `[[1, -1]]`.*

# %%
def directional_edge_kernel(v: tuple[float, float]) -> torch.Tensor:
    """v = (v_i, v_j), not both 0 -> K: (h, w) float, at most 7 × 7, a derivative along v. On ramps
    X[i, j] = c + s (u_i i + u_j j) with unit u: zero response when s = 0 (flat) or u ⊥ v (edges parallel to v),
    and the largest non-zero |response| when u is parallel to v (edges orthogonal to v).

    Chapter: 练习 3 (exercise 3: designing kernels by hand).
    """
    ### BEGIN SOLUTION
    # Hint: v_i times a vertical difference plus v_j times a horizontal difference, e.g. centred in a 3 x 3 kernel
    v_i, v_j = (float(c) for c in v)
    K = torch.zeros(3, 3)
    K[2, 1], K[0, 1] = v_i / 2, -v_i / 2     # (X[i + 1] - X[i - 1]) / 2: the derivative down the rows
    K[1, 2], K[1, 0] = v_j / 2, -v_j / 2     # the same along the columns
    return K
    ### END SOLUTION


# %% [markdown]
# **实现 / Implement** `min_kernel_size_for_derivative(d)`：要得到 d 阶导数，卷积核最小要多大？返回最小的
# 宽度 m，使得存在一个 1×m 的核，它对任何不超过 d 次的多项式 p 的采样 `X[0, j] = p(j)` 做互相关运算，
# 结果处处等于 d 阶导数 p⁽ᵈ⁾（d = 0 时核就是恒等）。
#
# *What is the smallest kernel that gives a derivative of order d? Return the smallest width m such that some
# 1 × m kernel, cross-correlated with samples `X[0, j] = p(j)` of any polynomial p of degree at most d, gives the
# d-th derivative p⁽ᵈ⁾ everywhere (for d = 0 the kernel is the identity).*

# %%
def min_kernel_size_for_derivative(d: int) -> int:
    """d >= 0 -> m: int, the smallest width of a 1 × m kernel whose cross-correlation with samples p(j) of every
    polynomial p of degree <= d is exactly the d-th derivative of p.

    Chapter: 练习 3 (exercise 3: designing kernels by hand).
    """
    ### BEGIN SOLUTION
    # Hint: a 1 x m kernel has m weights; count the conditions: 0 on 1, j, ..., j^(d - 1), and d! on j^d
    return d + 1
    ### END SOLUTION


# %% [markdown]
# ### 练习 4：对 Conv2D 自动求梯度 (Automatic gradients of the chapter's Conv2D)
#
# 如果对我们创建的 Conv2D 类自动求梯度，会发生什么？报错信息是什么？这个问题最早写给 MXNet 版本：那里的
# corr2d 先创建 `Y = zeros(...)`，再逐个写入 `Y[i, j] = ...`。在 PyTorch 里亲手试一试：写一个这样的
# corr2d（`Y = torch.zeros(...)` 加逐元素写入），用它做一个 Conv2D，对 `((Y_hat - Y) ** 2).sum()` 调用
# `backward()`。
#
# *What happens if we try to automatically find the gradient of the Conv2D class we created, and what is the
# error message? The question was first written for MXNet, whose corr2d also creates `Y = zeros(...)` and then
# writes `Y[i, j] = ...` one element at a time. Try it in PyTorch: write such a corr2d (`Y = torch.zeros(...)`
# plus elementwise writes), build a Conv2D on it and call `backward()` on `((Y_hat - Y) ** 2).sum()`.*
#
# **实现 / Implement** `conv2d_gradient_facts()`：用你的实验结果回答，返回五元组
# `(raises, weight_gets_gradient, node, item_keeps_gradient, original_error)`：
# `raises`：`backward()` 是否报错（bool）；`weight_gets_gradient`：之后 `weight.grad` 是否是张量（bool）；
# `node`：这种 corr2d 输出的 `type(Y.grad_fn).__name__`，即自动求导为原地写入记录的节点名（str）；
# `item_keeps_gradient`：如果改写成 `Y[i, j] = (...).sum().item()`，`weight.grad` 是否还是张量（bool）；
# `original_error`：用一句话说明 MXNet 版本报错的原因——它的自动求导不支持哪一类操作（str）。
#
# *Answer from your experiment with the tuple `(raises, weight_gets_gradient, node, item_keeps_gradient,
# original_error)`: does `backward()` raise (bool); is `weight.grad` a tensor afterwards (bool); the name
# `type(Y.grad_fn).__name__` of that corr2d's output, the node autograd records for the in-place writes (str);
# would `weight.grad` still be a tensor had corr2d written `(...).sum().item()` (bool); and in one sentence, the
# kind of operation MXNet's autograd refused, which caused the original error message (str).*

# %%
def conv2d_gradient_facts() -> tuple[bool, bool, str, bool, str]:
    """What autograd does with the chapter's Conv2D whose corr2d writes Y[i, j] = ... into Y = torch.zeros(...).

    () -> (raises, weight_gets_gradient, node, item_keeps_gradient, original_error):
      raises: bool, does l.backward() raise for l = ((Y_hat - Y) ** 2).sum() of that Conv2D;
      weight_gets_gradient: bool, is the layer's weight.grad a tensor after l.backward();
      node: str, type(Y.grad_fn).__name__ for the output Y of that corr2d;
      item_keeps_gradient: bool, the same as weight_gets_gradient had corr2d written (...).sum().item() instead;
      original_error: str, one sentence: which kind of operation MXNet's autograd refused in this exercise.

    Chapter: 练习 4 (exercise 4: automatic gradients of the chapter's Conv2D).
    """
    ### BEGIN SOLUTION
    # Hint: run the experiment with a corr2d that writes into torch.zeros, and read weight.grad and Y.grad_fn
    def corr2d_into_zeros(X, K, item=False):
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                total = (X[i:i + h, j:j + w] * K).sum()
                Y[i, j] = total.item() if item else total
        return Y

    def backward(item):
        weight, bias = nn.Parameter(torch.randn(1, 2)), nn.Parameter(torch.randn(1))
        X = edge_image()
        Y_hat = corr2d_into_zeros(X, weight, item) + bias
        try:
            ((Y_hat - corr2d(X, edge_kernel())) ** 2).sum().backward()
        except RuntimeError:
            return True, False
        return False, weight.grad is not None

    raises, weight_gets_gradient = backward(item=False)
    node = type(corr2d_into_zeros(edge_image(), nn.Parameter(torch.randn(1, 2))).grad_fn).__name__
    _, item_keeps_gradient = backward(item=True)
    original_error = "MXNet's autograd does not support in-place operations such as Y[i, j] = ... while recording"
    return raises, weight_gets_gradient, node, item_keeps_gradient, original_error
    ### END SOLUTION
