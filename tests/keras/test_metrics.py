"""tf.keras.metrics: accumulation over batches with sample weights, reset, values against NumPy
references, confusion-matrix metrics, AUC, IoU, F-scores, configs and lookup."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.core.tensor import Tensor
from flowgrad.keras import losses as L
from flowgrad.keras import metrics as M

RNG = np.random.default_rng(0)
Y_BIN = RNG.integers(0, 2, size=(30, 3)).astype(np.float32)
P_BIN = RNG.uniform(size=(30, 3)).astype(np.float32)
SW = RNG.uniform(0.1, 2.0, size=30).astype(np.float32)
Y_CAT = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, size=30)]
P_CAT = RNG.uniform(size=(30, 4)).astype(np.float32)
LABELS = RNG.integers(0, 4, size=30)
BATCHES = [slice(0, 12), slice(12, 19), slice(19, 30)]


def run(metric, y_true, y_pred, weights=None):
    """Feeds the data in three uneven batches; returns the result as NumPy."""
    for b in BATCHES:
        metric.update_state(y_true[b], y_pred[b],
                            sample_weight=None if weights is None else weights[b])
    return np.asarray(metric.result().numpy(), dtype=np.float64)


def wmean(values, weights=None):
    values = np.asarray(values, np.float64)
    if weights is None:
        return values.mean()
    w = np.broadcast_to(np.asarray(weights, np.float64).reshape(
        (-1,) + (1,) * (values.ndim - 1)), values.shape)
    return (values * w).sum() / w.sum()


# -- base classes ----------------------------------------------------------------------------------
def test_mean_accumulates_with_weights_and_resets():
    m = M.Mean()
    assert m.name == "mean" and m.dtype == "float32" and m.dtype == tf.float32
    assert all(isinstance(v, tf.Variable) and not v.trainable for v in m.variables)
    assert m.trainable_weights == [] and len(m.non_trainable_weights) == 2
    m.update_state([1.0, 3.0])
    m.update_state([5.0, 7.0, 9.0], sample_weight=[1.0, 0.0, 2.0])
    np.testing.assert_allclose(float(m.result()), (1 + 3 + 5 + 18) / 5.0, rtol=1e-6)
    out = m(np.array([[2.0, 4.0], [6.0, 8.0]]), sample_weight=[0.5, 1.0])  # (2,2) values
    assert isinstance(out, tf.Tensor)
    np.testing.assert_allclose(float(out), (27 + 0.5 * 6 + 14) / (5 + 1 + 2), rtol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0 and all(float(v.numpy()) == 0.0 for v in m.variables)
    m.update_state(4.0)
    m.reset_states()
    assert float(m.result()) == 0.0


def test_sum_and_mean_weight_shapes():
    v = RNG.normal(size=(5, 3))
    w = RNG.uniform(size=5)
    s = M.Sum()
    np.testing.assert_allclose(float(s(v, sample_weight=w)), (v * w[:, None]).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(M.Mean()(v, sample_weight=w)), wmean(v, w), rtol=1e-6)
    np.testing.assert_allclose(float(M.Mean()(v, sample_weight=w[:, None])), wmean(v, w),
                               rtol=1e-6)
    np.testing.assert_allclose(float(M.Mean()(v, sample_weight=2.0)), v.mean(), rtol=1e-6)
    per = RNG.uniform(size=(5, 3))
    np.testing.assert_allclose(float(M.Mean()(v, sample_weight=per)),
                               (v * per).sum() / per.sum(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="sample_weight"):
        M.Mean()(v, sample_weight=np.ones(4))


def test_custom_metric_subclass_and_add_weight_forms():
    class Count(M.Metric):
        def __init__(self, name="count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.n = self.add_weight(name="n", initializer="zeros")
            self.k3 = self.add_weight((2,), initializer="ones", name="k3")  # Keras 3 order
            self.v = self.add_variable((3,), "zeros", name="v")

        def update_state(self, values, sample_weight=None):
            self.n.assign_add(tf.cast(tf.size(values), self.dtype))

        def result(self):
            return self.n.read_value()

    m = Count()
    assert m.k3.shape == (2,) and m.k3.name == "k3:0" and m.v.shape == (3,)
    m.update_state([1, 2, 3])
    assert float(m([4, 5])) == 5.0
    m.reset_state()
    assert float(m.result()) == 0.0 and m.k3.numpy().tolist() == [0.0, 0.0]
    assert Count.from_config(m.get_config()).name == "count"

    class Bare(M.Metric):
        pass

    assert Bare().name == "bare"
    with pytest.raises(NotImplementedError):
        Bare().update_state(1.0)


# -- accuracies ------------------------------------------------------------------------------------
def test_accuracy_family_over_batches():
    np.testing.assert_allclose(run(M.BinaryAccuracy(), Y_BIN, P_BIN, SW),
                               wmean(((P_BIN > 0.5) == Y_BIN).mean(-1), SW), rtol=1e-6)
    np.testing.assert_allclose(run(M.BinaryAccuracy(threshold=0.3), Y_BIN, P_BIN),
                               ((P_BIN > 0.3) == Y_BIN).mean(), rtol=1e-6)
    cat = (Y_CAT.argmax(-1) == P_CAT.argmax(-1)).astype(float)
    np.testing.assert_allclose(run(M.CategoricalAccuracy(), Y_CAT, P_CAT, SW), wmean(cat, SW),
                               rtol=1e-6)
    sparse = (LABELS == P_CAT.argmax(-1)).astype(float)
    np.testing.assert_allclose(run(M.SparseCategoricalAccuracy(), LABELS, P_CAT, SW),
                               wmean(sparse, SW), rtol=1e-6)
    np.testing.assert_allclose(run(M.SparseCategoricalAccuracy(), LABELS[:, None], P_CAT, SW),
                               wmean(sparse, SW), rtol=1e-6)
    ints = RNG.integers(0, 3, size=(30, 2))
    np.testing.assert_allclose(run(M.Accuracy(), ints, (ints + (P_BIN[:, :2] > 0.7)), SW),
                               wmean((P_BIN[:, :2] <= 0.7).astype(float), SW), rtol=1e-6)


def test_binary_accuracy_rank_matching_gives_per_sample_values():
    t = np.array([1.0, 0.0, 1.0, 1.0])
    p = np.array([[0.9], [0.2], [0.4], [0.6]])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    hits = np.array([1.0, 1.0, 0.0, 1.0])
    for yt, yp in ((t, p), (t[:, None], p), (t[:, None], p[:, 0])):
        np.testing.assert_allclose(float(M.BinaryAccuracy()(yt, yp, sample_weight=w)),
                                   (hits * w).sum() / w.sum(), rtol=1e-6)
    m = M.BinaryAccuracy()
    assert m.update_state(t, p) is None
    assert m.variables[1].numpy() == 4.0  # one count per sample


def _np_in_top_k(pred, labels, k):
    target = pred[np.arange(len(labels)), labels]
    return ((pred > target[:, None]).sum(-1) < k).astype(float)


def test_top_k_accuracies_with_ties():
    pred = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [0.25] * 4,
                     [0.0, 0.1, 0.9, 0.8]], np.float32)
    labels = np.array([2, 1, 3, 0])
    for k in (1, 2, 3):
        want = _np_in_top_k(pred, labels, k)
        np.testing.assert_allclose(M.sparse_top_k_categorical_accuracy(labels, pred, k).numpy(),
                                   want)
        np.testing.assert_allclose(
            M.top_k_categorical_accuracy(np.eye(4)[labels], pred, k).numpy(), want)
    want = _np_in_top_k(P_CAT, LABELS, 2)
    np.testing.assert_allclose(run(M.SparseTopKCategoricalAccuracy(k=2), LABELS, P_CAT, SW),
                               wmean(want, SW), rtol=1e-6)
    np.testing.assert_allclose(run(M.SparseTopKCategoricalAccuracy(k=2), LABELS[:, None], P_CAT),
                               want.mean(), rtol=1e-6)
    np.testing.assert_allclose(run(M.TopKCategoricalAccuracy(k=3), np.eye(4)[LABELS], P_CAT),
                               _np_in_top_k(P_CAT, LABELS, 3).mean(), rtol=1e-6)
    assert M.sparse_top_k_categorical_accuracy([[1]], [[0.2, 0.8]], k=1).shape == (1, 1)


# -- regression / loss-named metrics ---------------------------------------------------------------
@pytest.mark.parametrize("metric,fn,t,p", [
    (M.MeanSquaredError(), L.mean_squared_error, Y_BIN, P_BIN),
    (M.MeanAbsoluteError(), L.mean_absolute_error, Y_BIN, P_BIN),
    (M.MeanAbsolutePercentageError(), L.mean_absolute_percentage_error, Y_BIN + 1, P_BIN),
    (M.MeanSquaredLogarithmicError(), L.mean_squared_logarithmic_error, Y_BIN, P_BIN),
    (M.LogCoshError(), L.log_cosh, Y_BIN, P_BIN),
    (M.Hinge(), L.hinge, Y_BIN, P_BIN),
    (M.SquaredHinge(), L.squared_hinge, Y_BIN, P_BIN),
    (M.CategoricalHinge(), L.categorical_hinge, Y_CAT, P_CAT),
    (M.KLDivergence(), L.kl_divergence, Y_CAT, P_CAT),
    (M.Poisson(), L.poisson, Y_BIN, P_BIN),
    (M.BinaryCrossentropy(), L.binary_crossentropy, Y_BIN, P_BIN),
    (M.CategoricalCrossentropy(label_smoothing=0.1),
     lambda t, p: L.categorical_crossentropy(t, p, label_smoothing=0.1), Y_CAT, P_CAT),
    (M.SparseCategoricalCrossentropy(), L.sparse_categorical_crossentropy, LABELS, P_CAT),
], ids=lambda x: type(x).__name__ if isinstance(x, M.Metric) else "")
def test_loss_named_metrics(metric, fn, t, p):
    per = fn(t, p).numpy()
    np.testing.assert_allclose(run(metric, t, p, SW), wmean(per, SW), rtol=1e-5)
    metric.reset_state()
    np.testing.assert_allclose(run(metric, t, p), per.mean(), rtol=1e-5)


def test_root_mean_squared_error_and_cosine_similarity():
    sq = (Y_BIN - P_BIN).astype(np.float64) ** 2
    np.testing.assert_allclose(run(M.RootMeanSquaredError(), Y_BIN, P_BIN, SW),
                               np.sqrt(wmean(sq, SW)), rtol=1e-5)
    t, p = Y_BIN.astype(np.float64), P_BIN.astype(np.float64)
    cos = (t * p).sum(-1) / np.maximum(np.linalg.norm(t, axis=-1), 1e-6) / \
        np.linalg.norm(p, axis=-1)
    np.testing.assert_allclose(run(M.CosineSimilarity(), Y_BIN, P_BIN, SW), wmean(cos, SW),
                               rtol=1e-5)


def test_sparse_crossentropy_metric_ignore_class():
    labels = LABELS.copy()
    labels[::3] = -1
    z = RNG.normal(size=(30, 4)).astype(np.float32)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    per = -logp[np.arange(30), np.maximum(labels, 0)]
    valid = labels != -1
    got = run(M.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1), labels, z, SW)
    np.testing.assert_allclose(got, (per * SW)[valid].sum() / SW[valid].sum(), rtol=1e-5)


# -- confusion-matrix metrics ----------------------------------------------------------------------
def np_counts(y, p, thresholds, w=None):
    y = y.reshape(-1) != 0
    p = p.reshape(-1)
    w = np.ones_like(p, dtype=np.float64) if w is None else w.reshape(-1)
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        pos = p > t
        out["tp"].append((w * (y & pos)).sum())
        out["fp"].append((w * (~y & pos)).sum())
        out["tn"].append((w * (~y & ~pos)).sum())
        out["fn"].append((w * (y & ~pos)).sum())
    return {k: np.array(v) for k, v in out.items()}


def test_confusion_counts_precision_recall():
    w2 = np.broadcast_to(SW[:, None], Y_BIN.shape)
    c = np_counts(Y_BIN, P_BIN, [0.5], w2)
    np.testing.assert_allclose(run(M.TruePositives(), Y_BIN, P_BIN, SW), c["tp"][0], rtol=1e-5)
    np.testing.assert_allclose(run(M.FalsePositives(), Y_BIN, P_BIN, SW), c["fp"][0], rtol=1e-5)
    np.testing.assert_allclose(run(M.TrueNegatives(), Y_BIN, P_BIN, SW), c["tn"][0], rtol=1e-5)
    np.testing.assert_allclose(run(M.FalseNegatives(), Y_BIN, P_BIN, SW), c["fn"][0], rtol=1e-5)
    np.testing.assert_allclose(run(M.Precision(), Y_BIN, P_BIN, SW),
                               c["tp"][0] / (c["tp"][0] + c["fp"][0]), rtol=1e-5)
    np.testing.assert_allclose(run(M.Recall(), Y_BIN, P_BIN, SW),
                               c["tp"][0] / (c["tp"][0] + c["fn"][0]), rtol=1e-5)
    thr = [0.1, 0.4, 0.8]
    c = np_counts(Y_BIN, P_BIN, thr)
    got = run(M.Precision(thresholds=thr), Y_BIN, P_BIN)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, c["tp"] / (c["tp"] + c["fp"]), rtol=1e-5)
    np.testing.assert_allclose(run(M.TruePositives(thresholds=thr), Y_BIN, P_BIN), c["tp"])
    # class_id: one column only
    c = np_counts(Y_BIN[:, 1], P_BIN[:, 1], [0.5], SW)
    np.testing.assert_allclose(run(M.Recall(class_id=1), Y_BIN, P_BIN, SW),
                               c["tp"][0] / (c["tp"][0] + c["fn"][0]), rtol=1e-5)
    # top_k: only each row's k highest predictions count as positive
    top2 = np.argsort(-P_BIN, axis=-1)[:, :2]
    mask = np.zeros_like(P_BIN, dtype=bool)
    np.put_along_axis(mask, top2, True, axis=-1)
    tp = (mask & (Y_BIN != 0)).sum()
    np.testing.assert_allclose(run(M.Precision(top_k=2), Y_BIN, P_BIN), tp / mask.sum(),
                               rtol=1e-6)
    top1 = P_BIN.argmax(-1) == 2
    tp = (top1 & (Y_BIN[:, 2] != 0)).sum()
    np.testing.assert_allclose(run(M.Recall(top_k=1, class_id=2), Y_BIN, P_BIN),
                               tp / (Y_BIN[:, 2] != 0).sum(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="same shape"):
        M.Precision()(np.ones((4, 3)), np.ones((4, 2)))
    assert float(M.Precision().result()) == 0.0  # divide_no_nan before any update


def np_auc(y, p, num_thresholds=200, curve="ROC", method="interpolation", w=None):
    t = num_thresholds
    thr = [-1e-7] + [(i + 1) / (t - 1) for i in range(t - 2)] + [1 + 1e-7]
    c = np_counts(y, p, thr, w)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))
    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        dp = pp[:-1] - pp[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum()
    recall = div(tp, tp + fn)
    x, yy = (div(fp, fp + tn), recall) if curve == "ROC" else (recall, div(tp, tp + fp))
    h = {"interpolation": (yy[:-1] + yy[1:]) / 2, "minoring": np.minimum(yy[:-1], yy[1:]),
         "majoring": np.maximum(yy[:-1], yy[1:])}[method]
    return ((x[:-1] - x[1:]) * h).sum()


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_matches_reference(curve, method):
    w2 = np.broadcast_to(SW[:, None], Y_BIN.shape)
    got = run(M.AUC(num_thresholds=50, curve=curve, summation_method=method), Y_BIN, P_BIN, SW)
    np.testing.assert_allclose(got, np_auc(Y_BIN, P_BIN, 50, curve, method, w2), rtol=1e-5)


def test_auc_properties():
    y = RNG.integers(0, 2, size=400)
    score = y * 0.3 + RNG.uniform(size=400) * 0.7
    pos, neg = score[y == 1], score[y == 0]
    exact = (pos[:, None] > neg[None, :]).mean()  # Mann-Whitney statistic (no ties)
    m = M.AUC(num_thresholds=1000)
    np.testing.assert_allclose(float(m(y, score)), exact, atol=2e-3)
    assert float(M.AUC()([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0)
    assert M.AUC(num_thresholds=3).thresholds == [-1e-7, 0.5, 1 + 1e-7]
    m = M.AUC(thresholds=[0.7, 0.2])
    assert m.num_thresholds == 4 and m.thresholds[1:-1] == [0.2, 0.7]
    # from_logits applies a sigmoid first
    logits = np.log(P_BIN / (1 - P_BIN))
    np.testing.assert_allclose(float(M.AUC(from_logits=True)(Y_BIN, logits)),
                               float(M.AUC()(Y_BIN, P_BIN)), rtol=1e-5)
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        M.AUC(curve="DET")
    with pytest.raises(ValueError, match="summation"):
        M.AUC(summation_method="simpson")


def test_auc_multi_label_and_label_weights():
    lw = np.array([1.0, 2.0, 0.5])
    per = np.array([np_auc(Y_BIN[:, j], P_BIN[:, j], w=SW) for j in range(3)])
    got = run(M.AUC(multi_label=True, label_weights=lw), Y_BIN, P_BIN, SW)
    np.testing.assert_allclose(got, (per * lw).sum() / lw.sum(), rtol=1e-5)
    m = M.AUC(multi_label=True, curve="PR", num_labels=3)
    per = [np_auc(Y_BIN[:, j], P_BIN[:, j], curve="PR") for j in range(3)]
    np.testing.assert_allclose(run(m, Y_BIN, P_BIN), np.mean(per), rtol=1e-5)
    assert m.true_positives.shape == (200, 3)
    # without multi_label, label weights weigh each column's predictions in the counts
    w = np.broadcast_to(lw, Y_BIN.shape)
    np.testing.assert_allclose(run(M.AUC(label_weights=lw), Y_BIN, P_BIN),
                               np_auc(Y_BIN, P_BIN, w=w), rtol=1e-5)


def test_mean_iou():
    yt = RNG.integers(0, 4, size=30)
    yp = RNG.integers(0, 4, size=30)
    yt[:3] = 0
    yp[:3] = 0

    def np_miou(t, p, w, ignore=None):
        cm = np.zeros((4, 4))
        for a, b, ww in zip(t, p, w):
            if a != ignore:
                cm[a, b] += ww
        tp = np.diag(cm)
        den = cm.sum(0) + cm.sum(1) - tp
        return (tp[den > 0] / den[den > 0]).sum() / (den > 0).sum()

    np.testing.assert_allclose(run(M.MeanIoU(4), yt, yp, SW), np_miou(yt, yp, SW), rtol=1e-5)
    np.testing.assert_allclose(run(M.MeanIoU(4, ignore_class=0), yt, yp),
                               np_miou(yt, yp, np.ones(30), ignore=0), rtol=1e-5)
    onehot = np.eye(4)[yp] * 0.8 + 0.05
    np.testing.assert_allclose(run(M.MeanIoU(4, sparse_y_pred=False), yt, onehot),
                               np_miou(yt, yp, np.ones(30)), rtol=1e-5)
    with pytest.raises(ValueError, match="sparse_y_pred"):
        M.MeanIoU(4)(yt, onehot)
    # absent classes are left out of the mean
    assert float(M.MeanIoU(3)([0, 0, 1], [0, 0, 1])) == 1.0


def np_fbeta(y, p, average, threshold, beta=1.0, w=None):
    if threshold is None:
        pred = (p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-12)
    else:
        pred = p > threshold
    pred = pred.astype(np.float64)
    w = np.ones(len(y)) if w is None else w
    axis = None if average == "micro" else 0
    s = lambda v: (v * w[:, None]).sum(axis=axis)
    tp, fp, fn, sup = s(pred * y), s(pred * (1 - y)), s((1 - pred) * y), s(y)
    prec = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-30), 0)
    rec = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1e-30), 0)
    b2 = beta ** 2
    den = b2 * prec + rec
    f = np.where(den > 0, prec * rec / np.where(den > 0, den, 1), 0) * (1 + b2)
    if average == "weighted":
        return (f * sup / sup.sum()).sum()
    if average is not None:
        return np.mean(f)
    return f


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.4])
def test_f1_score(average, threshold):
    got = run(M.F1Score(average=average, threshold=threshold), Y_BIN, P_BIN, SW)
    np.testing.assert_allclose(got, np_fbeta(Y_BIN.astype(float), P_BIN, average, threshold,
                                             w=SW.astype(float)), rtol=1e-5, atol=1e-7)


def test_fbeta_and_errors():
    got = run(M.FBetaScore(beta=2.0, average="macro"), Y_CAT, P_CAT)
    np.testing.assert_allclose(got, np_fbeta(Y_CAT.astype(float), P_CAT, "macro", None, 2.0),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="2D"):
        M.F1Score()(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match="threshold"):
        M.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=0)
    m = M.F1Score()
    assert float(m.result()) == 0.0 and m.variables == []
    m(Y_BIN, P_BIN)
    m.reset_state()
    assert np.all(m.result().numpy() == 0)


# -- configs and lookup ----------------------------------------------------------------------------
ALL = [M.Mean(name="m"), M.Sum(), M.Accuracy(), M.BinaryAccuracy(threshold=0.7),
       M.CategoricalAccuracy(), M.SparseCategoricalAccuracy(name="acc"),
       M.TopKCategoricalAccuracy(k=2), M.SparseTopKCategoricalAccuracy(k=3),
       M.TruePositives(thresholds=[0.2, 0.6]), M.FalseNegatives(), M.Precision(top_k=2),
       M.Recall(thresholds=0.3, class_id=1),
       M.AUC(num_thresholds=20, curve="PR", summation_method="minoring", multi_label=True,
             label_weights=[1.0, 2.0, 3.0]),
       M.AUC(thresholds=[0.2, 0.5]), M.MeanSquaredError(), M.RootMeanSquaredError(),
       M.MeanAbsoluteError(), M.MeanAbsolutePercentageError(), M.MeanSquaredLogarithmicError(),
       M.LogCoshError(), M.Hinge(), M.SquaredHinge(), M.CategoricalHinge(), M.KLDivergence(),
       M.Poisson(), M.CosineSimilarity(axis=0), M.BinaryCrossentropy(from_logits=True),
       M.CategoricalCrossentropy(label_smoothing=0.1), M.SparseCategoricalCrossentropy(
           ignore_class=0), M.MeanIoU(3, ignore_class=1), M.F1Score("macro", 0.5),
       M.FBetaScore("weighted", 0.5), M.MeanMetricWrapper(L.mae, name="wrapped_mae")]


@pytest.mark.parametrize("metric", ALL, ids=lambda m: type(m).__name__)
def test_config_roundtrip(metric):
    config = metric.get_config()
    assert config["name"] == metric.name and config["dtype"] == "float32"
    clone = type(metric).from_config(config)
    assert clone.get_config() == config
    again = M.deserialize(M.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == config


def test_get():
    assert M.get("accuracy") is M.accuracy and M.get("acc") is M.accuracy
    assert M.get("mae") is L.mean_absolute_error and M.get("mse") is L.mean_squared_error
    assert M.get("binary_accuracy") is M.binary_accuracy
    for name, cls in [("AUC", M.AUC), ("auc", M.AUC), ("precision", M.Precision),
                      ("Precision", M.Precision), ("recall", M.Recall),
                      ("RootMeanSquaredError", M.RootMeanSquaredError),
                      ("f1_score", M.F1Score),
                      ("SparseCategoricalAccuracy", M.SparseCategoricalAccuracy)]:
        assert type(M.get(name)) is cls
    m = M.AUC()
    assert M.get(m) is m
    assert type(M.get(M.Recall)) is M.Recall
    assert type(M.get({"class_name": "Precision", "config": {"thresholds": 0.3}})) is M.Precision
    with pytest.raises(ValueError) as e:
        M.get("acuracy")
    assert "Did you mean" in str(e.value) and "'accuracy'" in str(e.value)
    with pytest.raises(ValueError):
        M.get(3)
    assert M.mse is L.mse and M.binary_crossentropy is L.binary_crossentropy


@pytest.mark.parametrize("loss,pred,true,want", [
    ("binary_crossentropy", None, None, M.BinaryAccuracy),
    (L.BinaryCrossentropy(from_logits=True), None, None, M.BinaryAccuracy),
    ("categorical_crossentropy", None, None, M.CategoricalAccuracy),
    (L.CategoricalCrossentropy(), None, None, M.CategoricalAccuracy),
    ("sparse_categorical_crossentropy", None, None, M.SparseCategoricalAccuracy),
    (L.SparseCategoricalCrossentropy(from_logits=True), None, None,
     M.SparseCategoricalAccuracy),
    (L.sparse_categorical_crossentropy, None, None, M.SparseCategoricalAccuracy),
    ("mse", (None, 1), (None, 1), M.BinaryAccuracy),
    ("mse", (None, 10), (None, 10), M.CategoricalAccuracy),
    ("mse", (32, 10), (32,), M.SparseCategoricalAccuracy),
    ("mse", (32, 10), (32, 1), M.SparseCategoricalAccuracy),
    (None, tf.TensorShape([None, 1]), None, M.BinaryAccuracy),
    ("categorical_crossentropy", (None, 5), (None, 1), M.SparseCategoricalAccuracy),
    (None, None, None, M.CategoricalAccuracy),
])
def test_resolve_accuracy(loss, pred, true, want):
    m = M.resolve_accuracy(loss, y_pred_shape=pred, y_true_shape=true)
    assert type(m) is want and m.name == "accuracy"


def test_get_for_compile():
    m = M.get_for_compile("acc", loss="binary_crossentropy")
    assert type(m) is M.BinaryAccuracy and m.name == "acc"
    mae = M.get_for_compile("mae")
    assert isinstance(mae, M.MeanMetricWrapper) and mae.name == "mae"
    np.testing.assert_allclose(float(mae([[1.0, 2.0]], [[2.0, 2.0]])), 0.5)
    assert type(M.get_for_compile("AUC")) is M.AUC
    p = M.Precision()
    assert M.get_for_compile(p) is p
    ce = M.get_for_compile("crossentropy", loss="sparse_categorical_crossentropy")
    assert type(ce) is M.SparseCategoricalCrossentropy and ce.name == "crossentropy"
    lossmetric = M.get_for_compile(L.MeanSquaredError())
    assert lossmetric.name == "mean_squared_error"
    np.testing.assert_allclose(float(lossmetric([[1.0]], [[3.0]])), 4.0)

    def my_metric(y_true, y_pred):
        return tf.reduce_mean(y_pred, axis=-1)

    mm = M.get_for_compile(my_metric)
    assert mm.name == "my_metric" and float(mm([[0.0, 0.0]], [[1.0, 3.0]])) == 2.0


def test_tutorial_binary_accuracy():
    m = tf.keras.metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(m.result()) == 0.75
    assert m.name == "binary_accuracy"


# -- no host synchronisation in update_state / result / losses -------------------------------------
def test_update_and_result_use_no_host_values(monkeypatch):
    """Train-step code must run on symbolic tensors: no .numpy(), bool(), float() on Tensors."""
    def forbidden(self, *args, **kwargs):
        raise AssertionError("host value read in a train-step code path")

    metrics = [M.Mean(), M.BinaryAccuracy(), M.CategoricalAccuracy(),
               M.SparseCategoricalAccuracy(), M.SparseTopKCategoricalAccuracy(k=2),
               M.TopKCategoricalAccuracy(k=2), M.Precision(), M.Recall(top_k=1, class_id=0),
               M.AUC(), M.AUC(curve="PR", multi_label=True, num_labels=4),
               M.RootMeanSquaredError(), M.MeanIoU(4, sparse_y_pred=False), M.F1Score("weighted"),
               M.CategoricalCrossentropy(), M.SparseCategoricalCrossentropy(ignore_class=1)]
    losses = [L.MeanSquaredError(), L.Huber(), L.LogCosh(), L.BinaryCrossentropy(),
              L.BinaryFocalCrossentropy(), L.CategoricalCrossentropy(label_smoothing=0.1),
              L.SparseCategoricalCrossentropy(ignore_class=2), L.KLDivergence(), L.Poisson(),
              L.Hinge(), L.SquaredHinge(), L.CategoricalHinge(), L.CosineSimilarity()]
    y_cat, p_cat = tf.constant(Y_CAT[:8]), tf.constant(P_CAT[:8] / P_CAT[:8].sum(-1,
                                                                             keepdims=True))
    labels, w = tf.constant(LABELS[:8]), tf.constant(SW[:8])
    f1 = M.F1Score("weighted")
    f1.update_state(y_cat, p_cat)  # builds its variables first (shape-dependent)
    metrics[-3] = f1
    for name in ("numpy", "__bool__", "__float__", "__int__", "__index__", "__array__"):
        monkeypatch.setattr(Tensor, name, forbidden)
    for m in metrics:
        sparse = isinstance(m, (M.SparseCategoricalAccuracy, M.SparseTopKCategoricalAccuracy,
                                M.SparseCategoricalCrossentropy, M.MeanIoU))
        if isinstance(m, M.Mean) and type(m) is M.Mean:
            m.update_state(p_cat, sample_weight=w)
        else:
            m.update_state(labels if sparse else y_cat, p_cat, sample_weight=w)
        assert isinstance(m.result(), Tensor)
    for loss in losses:
        sparse = isinstance(loss, L.SparseCategoricalCrossentropy)
        assert isinstance(loss(labels if sparse else y_cat, p_cat, sample_weight=w), Tensor)
