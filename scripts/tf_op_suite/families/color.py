"""Color ops on [..., 3] images: RGBToHSV, HSVToRGB in every float type, AdjustSaturation, AdjustHue
and AdjustContrastv2 (float32: TensorFlow's CPU kernels), with gray pixels, saturated primaries,
ties between channels, hue wrapping both ways and empty images."""

import numpy as np
from spec import case, const, f16, f32, f64, family

family("color")

# Grays (all channels equal), primaries and secondaries, two-channel ties, black, white.
SPECIAL = np.array([[0.5, 0.5, 0.5], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1],
                    [0.2, 0.7, 0.7], [0.7, 0.2, 0.7], [0.7, 0.7, 0.2], [0, 0, 0], [1, 1, 1]], np.float32)
HSV_SPECIAL = np.array([[0, 0, 0.5], [0, 1, 1], [1 / 6, 1, 1], [0.5, 0.5, 0.25], [0.999, 1, 1], [0.75, 0.3, 0.9],
                        [2 / 6, 0.2, 0.8], [4 / 6, 1, 0.6], [5 / 6, 0.7, 0.7], [0.1, 0, 0]], np.float32)

for op, special in (("RGBToHSV", SPECIAL), ("HSVToRGB", HSV_SPECIAL)):
    case(op, "random", images=f32(2, 4, 5, 3, low=0, high=1))
    case(op, "special", images=special)
    case(op, "f64", images=f64(3, 4, 3, low=0, high=1))
    case(op, "f16", images=f16(6, 3, low=0, high=1))
    case(op, "single_pixel", images=f32(3, low=0, high=1))
    case(op, "empty", images=np.zeros((0, 2, 3), np.float32))

for op, name, values in (("AdjustSaturation", "scale", [0.0, 0.4, 1.0, 2.5]), ("AdjustHue", "delta", [0.0, 0.2, -0.45, 0.999, -1.0])):
    for value in values:
        variant = f"{name}_{value}".replace("-", "minus").replace(".", "_")
        case(op, variant, images=f32(2, 3, 4, 3, low=0, high=1), **{name: np.float32(value)})
    case(op, "special", images=SPECIAL.reshape(3, 4, 3), **{name: np.float32(0.3)})
    case(op, "const_images", images=const(SPECIAL.reshape(2, 2, 3, 3)), **{name: np.float32(-0.2)})
    case(op, "empty", images=np.zeros((1, 0, 2, 3), np.float32), **{name: np.float32(0.5)})

case("AdjustContrastv2", "batch", images=f32(2, 3, 4, 3), contrast_factor=np.float32(1.7))
case("AdjustContrastv2", "rank3_lower", images=f32(5, 6, 2), contrast_factor=np.float32(0.25))
case("AdjustContrastv2", "rank5_negative", images=f32(2, 2, 3, 3, 1), contrast_factor=np.float32(-1.0))
case("AdjustContrastv2", "const_factor", images=f32(1, 4, 4, 3), contrast_factor=const(np.float32(3.0)))
case("AdjustContrastv2", "one_pixel", images=f32(2, 1, 1, 3), contrast_factor=np.float32(2.0))
case("AdjustContrastv2", "empty", images=np.zeros((2, 0, 3, 3), np.float32), contrast_factor=np.float32(2.0))
