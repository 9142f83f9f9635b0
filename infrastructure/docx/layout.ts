// Page and table geometry shared by the template and the consolidated report (twips, half-points).

/** A4 landscape. */
export const PAGE = { width: 16838, height: 11906 } as const;

/** 2 cm on the top and left (the binding side), 1.5 cm on the right and bottom. */
export const MARGINS = { top: 1134, right: 850, bottom: 850, left: 1134, header: 567, footer: 567 } as const;

export const TEXT_WIDTH = PAGE.width - MARGINS.left - MARGINS.right;

/** «№ п/п», name, place, dates, purpose, participants: the six columns across the text width. */
export const COLUMN_WIDTHS: readonly number[] = (() => {
  const widths = [680, 3000, 2200, 1800, 0, 3000];
  widths[4] = TEXT_WIDTH - widths.reduce((a, b) => a + b, 0);
  return widths;
})();

export const FONT = 'Times New Roman';
/** 12 pt for the text, 11 pt inside the table. */
export const BODY_SIZE = 24;
export const TABLE_SIZE = 22;
