/**
 * The screen a terminal shows after `output`: enough of a VT100 for what LiveProgress emits
 * (text, \n, \r, ESC[nA cursor up, ESC[J erase to the end of the screen).
 */
export function screen(output: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    const csi = /^\x1b\[(\d*)([AJ])/.exec(output.slice(i));
    if (csi) {
      if (csi[2] === 'A') row = Math.max(0, row - Number(csi[1] || 1));
      else {
        rows[row] = rows[row]!.slice(0, col);
        rows.length = row + 1;
      }
      i += csi[0].length - 1;
    } else if (ch === '\n') {
      row++;
      col = 0;
      if (rows[row] === undefined) rows[row] = '';
    } else if (ch === '\r') col = 0;
    else {
      const line = rows[row]!;
      rows[row] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  return rows[rows.length - 1] === '' ? rows.slice(0, -1) : rows;
}
