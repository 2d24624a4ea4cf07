"""QR codes: the module matrix, the half-block text the live screen draws, and the inline SVG."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import qrcode
import qrcode.constants

from facilitator.common.qr import BORDER, FULL, LOWER, UPPER, half_block_lines, qr_matrix, svg, text

URL = "http://192.168.1.20:8765/c/Xq3vN8-kLm2_Rt7pWz9aBc4dEf6gHj1K"
CODES = ["QX7KPM", "ACDE", "ABCD1234EFGH5678"]

_HALVES = {" ": (False, False), UPPER: (True, False), LOWER: (False, True), FULL: (True, True)}


def unrender(lines: list[str], height: int) -> list[list[bool]]:
    """Read half-block text back as modules: ink (the black foreground) is a dark module."""
    rows: list[list[bool]] = []
    for line in lines:
        halves = [_HALVES[ch] for ch in line]
        rows.append([top for top, _ in halves])
        rows.append([bottom for _, bottom in halves])
    assert len(rows) in (height, height + 1)
    assert not any(rows[height:] and rows[height])  # an odd matrix's padding row is paper
    return rows[:height]


def svg_modules(markup: str, size: int) -> list[list[bool]]:
    """The dark modules drawn by an SVG path of unit squares (`Mx,yHx+1Vy+1Hxz`)."""
    path = re.search(r'<path d="([^"]*)"', markup)
    assert path is not None
    grid = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+),(\d+)H\d+V\d+H\d+z", path.group(1)):
        grid[int(y)][int(x)] = True
    return grid


def reference(data: str) -> list[list[bool]]:
    """qrcode's own matrix with the settings the product promises (EC level M, 4-module border)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def decode(matrix: list[list[bool]], scale: int = 4) -> list[tuple[str, str]]:
    """Decode a module matrix with zxing-cpp (black modules on white), as (text, EC level)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    rows = [bytes(0 if dark else 255 for dark in row for _ in range(scale)) for row in matrix]
    pixels = b"".join(row for row in rows for _ in range(scale))
    image = memoryview(pixels).cast("B", shape=[len(matrix) * scale, len(matrix[0]) * scale])
    return [(found.text, found.ec_level) for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("data", [URL, *CODES])
def test_matrix_is_qrcodes_own_with_m_and_a_quiet_zone(data: str) -> None:
    matrix = qr_matrix(data)
    assert matrix == reference(data)
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert (size - 2 * BORDER - 17) % 4 == 0  # a real QR version, plus the border
    for index in range(BORDER):
        assert not any(matrix[index]) and not any(matrix[-1 - index])
        assert not any(row[index] or row[-1 - index] for row in matrix)
    assert matrix[BORDER][BORDER]  # the finder pattern's corner is dark


def test_half_blocks_of_a_small_matrix() -> None:
    t, f = True, False
    assert half_block_lines([[t, f, t, f], [f, t, t, f], [t, t, f, f]]) == ["▀▄█ ", "▀▀  "]
    assert half_block_lines([]) == []


@pytest.mark.parametrize("data", [URL, *CODES])
def test_half_block_text_reads_back_as_the_same_matrix(data: str) -> None:
    matrix = qr_matrix(data)
    lines = half_block_lines(matrix)
    assert len(lines) == (len(matrix) + 1) // 2
    assert all(len(line) == len(matrix) for line in lines)
    assert set("".join(lines)) <= {" ", UPPER, LOWER, FULL}
    assert unrender(lines, len(matrix)) == matrix
    assert text(data) == "\n".join(lines)
    # An odd last row is paired with paper: no ink in the last line's lower halves.
    assert len(matrix) % 2 == 1
    assert LOWER not in lines[-1] and FULL not in lines[-1]


def test_half_block_text_scans_as_the_url() -> None:
    matrix = qr_matrix(URL)
    assert decode(unrender(half_block_lines(matrix), len(matrix))) == [(URL, "M")]


@pytest.mark.parametrize("data", CODES)
def test_a_code_scans_as_exactly_the_code(data: str) -> None:
    assert decode(qr_matrix(data)) == [(data, "M")]


@pytest.mark.parametrize("data", [URL, *CODES])
def test_svg_draws_the_same_modules_black_on_white(data: str) -> None:
    matrix = qr_matrix(data)
    markup = svg(data)
    assert markup.startswith("<svg") and markup.endswith("</svg>")
    assert "<?xml" not in markup
    assert " id=" not in markup  # several on one page must not clash
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in markup
    assert '<rect fill="white"' in markup and 'fill="#000000"' in markup
    assert not re.search(r"<svg[^>]*\swidth=", markup)
    assert svg_modules(markup, len(matrix)) == matrix


def test_svg_size_and_label_are_attributes() -> None:
    markup = svg("QX7KPM", size="30mm", label='a "quoted" <label>')
    assert re.search(r'<svg[^>]*\swidth="30mm" height="30mm"', markup)
    assert 'aria-label="a &quot;quoted&quot; &lt;label&gt;"' in markup


def test_core_modules_do_not_import_textual() -> None:
    script = (
        "import sys\n"
        "import facilitator.common.qr, facilitator.program.badges, facilitator.checkin.server\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
        "assert 'PIL' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
