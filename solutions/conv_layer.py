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
